//! Data files compiled into the binary (the rules and the advisory table) and the span type
//! their schemas share.
//!
//! `build.rs` embeds each file twice: its TOML text, and the same values pre-parsed into
//! CBOR. A run decodes the CBOR (parsing the TOML at every start was a third of a one-file
//! run); the content test and users' files read TOML, whose reader gives every value its
//! byte span for error messages. The embedded forms have been validated by the content test,
//! so they carry no spans.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use std::ops::Range;

/// A value and, when it was read from TOML, the bytes it came from (`0..0` otherwise).
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    span: Range<usize>,
    value: T,
}

impl<T> Spanned<T> {
    pub fn new(span: Range<usize>, value: T) -> Self {
        Spanned { span, value }
    }
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
    pub fn get_ref(&self) -> &T {
        &self.value
    }
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // TOML is the human-readable source; CBOR, the pre-parsed form, is not.
        if deserializer.is_human_readable() {
            let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
            Ok(Spanned::new(spanned.span(), spanned.into_inner()))
        } else {
            T::deserialize(deserializer).map(|value| Spanned::new(0..0, value))
        }
    }
}

/// Decode the pre-parsed form of an embedded file; `None` when there is none or it does not
/// fit `T`, and the caller reads the TOML instead (with the error and its line, if any).
pub fn decode<T: DeserializeOwned>(pre_parsed: Option<&[u8]>) -> Option<T> {
    ciborium::from_reader(pre_parsed?).ok()
}
