//! CEL, compiled once per run: conditions and the `{…}` placeholders of message and fix
//! templates.

use crate::model::nodes::NodeKind;
use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{Type, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::parser::{Expression, PrattParser};
use cel::{Context, Env, ExecutionError, Value};
use std::sync::{Arc, OnceLock};

pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // lowerAscii, split, join, ...: rule authors expect them; failing to add is a bug.
        env.add_extension(cel::extensions::strings)
            .expect("the strings extension registers once");
        Arc::new(env)
    })
    .clone()
}

#[derive(Debug)]
pub struct Expr {
    pub source: String,
    program: OnceLock<Result<Expression, String>>,
    /// The terms checked without the interpreter (`prefilter`), found on first use.
    prefilter: OnceLock<super::prefilter::Term>,
    /// The variables it reads (and the names its comprehensions bind), found on first use.
    variables: OnceLock<Vec<String>>,
}

/// When CEL is compiled: at load, checked against the node's variables (user rule folders,
/// the content test), or on first use (the embedded rules, which the content test has
/// already checked: a run compiles only the rules of the kinds it meets, and a one-file run
/// starts in a few milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compile {
    Now,
    OnFirstUse,
}

/// Compile `source`; `vars` are the variables the node provides, so that a misspelt one is a
/// load error rather than a rule that silently never fires.
pub fn compile(source: &str, vars: &[&str]) -> Result<Expr, String> {
    compile_with(source, vars, None, Compile::Now)
}

/// `node`: the node kind whose fact types field names are checked against (when compiled now).
pub fn compile_with(
    source: &str,
    vars: &[&str],
    node: Option<NodeKind>,
    when: Compile,
) -> Result<Expr, String> {
    let program = OnceLock::new();
    if when == Compile::Now {
        let compiled = checked_program(source, vars, node)?;
        let _ = program.set(Ok(compiled));
    }
    Ok(Expr {
        source: source.to_string(),
        program,
        prefilter: OnceLock::new(),
        variables: OnceLock::new(),
    })
}

fn checked_program(
    source: &str,
    vars: &[&str],
    node: Option<NodeKind>,
) -> Result<Expression, String> {
    let program = env()
        .compile(source)
        .map_err(|e| format!("CEL does not compile: {}", e.to_string().trim()))?;
    let refs = program.references();
    let bound = comprehension_vars(source);
    let unknown: Vec<String> = refs
        .variables()
        .into_iter()
        .filter(|v| !vars.contains(v) && !bound.iter().any(|b| b == v))
        .map(str::to_string)
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "CEL refers to unknown variable(s) {} (this node provides: {})",
            unknown.join(", "),
            vars.join(", ")
        ));
    }
    let expression = program.expression().clone();
    if let Some(node) = node {
        let unknown = crate::facts::check::unknown_fields(&expression, node);
        if !unknown.is_empty() {
            return Err(unknown.join("; "));
        }
    }
    let degree = super::cost::estimate(&expression).cost;
    if degree > super::cost::MAX_DEGREE {
        return Err(format!(
            "CEL is too costly to evaluate: its time grows as n^{degree} in the size of a node's \
             facts (a loop over the facts inside another, or work on all of them inside a loop); \
             rules must be linear"
        ));
    }
    Ok(expression)
}

/// Parse an expression the content test has already checked with `Env::compile`. cel's
/// Pratt parser (behind its `parser_pratt` feature) is 10 to 40 times faster than the ANTLR
/// one `Env::compile` uses, whose warm-up alone was a fifth of a one-file run; the content
/// test holds the two to the same tree for every embedded expression. Rules from users' folders
/// keep `Env::compile` and its error messages.
pub fn parse_fast(source: &str) -> Result<Expression, String> {
    PrattParser::default()
        .parse(source)
        .map_err(|e| format!("CEL does not compile: {}", e.to_string().trim()))
}

/// Names bound by `list.exists(x, …)` and the other comprehension macros.
fn comprehension_vars(source: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"\.(?:all|exists|exists_one|existsOne|map|filter)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,",
        )
        .expect("valid pattern")
    });
    re.captures_iter(source).map(|c| c[1].to_string()).collect()
}

/// JSON facts → CEL values. Numbers become `int` where they fit, so conditions can compare
/// them with integer literals (serde's route would make them `uint`).
pub fn to_cel(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Value::String(Arc::new(s.clone())),
        J::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        J::Object(map) => {
            let m: std::collections::HashMap<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::from(m)
        }
    }
}

/// Facts → the interpreter's values, read in place: strings and keys are borrowed from the
/// facts, and a JSON object becomes a `JsonMap`, whose fields are converted only when a rule
/// reads them (a rule reads two or three of a node's dozen facts; converting them all was a
/// tenth of a corpus run). Numbers as in `to_cel`.
pub fn to_val(v: &serde_json::Value) -> Box<dyn Val + '_> {
    use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelNull, CelString};
    use serde_json::Value as J;
    match v {
        J::Null => Box::new(CelNull),
        J::Bool(b) => Box::new(CelBool::from(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0))),
        },
        J::String(s) => Box::new(CelString::from(s.as_str())),
        J::Array(items) => Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>())),
        J::Object(map) => Box::new(JsonMap {
            map,
            keys: OnceLock::new(),
        }),
    }
}

/// A JSON object as a CEL map, its fields converted on access. It answers everything a
/// built-in map does that rules use (`m.f`, `m['f']`, `has(m.f)`, `'f' in m`, `size(m)`,
/// comprehensions over its keys, `==`). An expression whose result is a whole map cannot be
/// turned into a `Value` (no rule needs one; the content test would fail on it).
#[derive(Debug)]
struct JsonMap<'a> {
    map: &'a serde_json::Map<String, serde_json::Value>,
    /// The keys as CEL strings, made the first time the map is iterated.
    keys: OnceLock<Vec<cel::common::types::CelString<'a>>>,
}

impl<'a> JsonMap<'a> {
    fn field(&self, key: &dyn Val) -> Option<&'a serde_json::Value> {
        let key = key.downcast_ref::<cel::common::types::CelString>()?;
        self.map.get(key.inner())
    }
}

impl<'a> Val for JsonMap<'a> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }
    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        // Any map, built-in or another `JsonMap`: the same size and equal values per key.
        let (Some(size), Some(index)) = (other.as_sizer(), other.as_indexer()) else {
            return false;
        };
        other.get_type().kind() == MAP_TYPE.kind()
            && *size.size().inner() == self.map.len() as i64
            && self.map.iter().all(|(k, v)| {
                index
                    .get(&cel::common::types::CelString::from(k.as_str()))
                    .is_ok_and(|o| to_val(v).equals(&*o))
            })
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(JsonMap {
            map: self.map,
            keys: OnceLock::new(),
        })
    }
}

/// A result as a `Value`. The interpreter's own conversion knows only its built-in maps; a map
/// read from the facts (`JsonMap`), alone or in a list, is converted here, entry by entry.
fn to_value(v: &dyn Val) -> Result<Value, ExecutionError> {
    use cel::common::types::{CelList, CelMap, Kind};
    use cel::objects::{Key, Map};
    match v.get_type().kind() {
        Kind::Map if v.downcast_ref::<CelMap>().is_none() => {
            let (Some(keys), Some(index)) = (v.as_iterable(), v.as_indexer()) else {
                return Value::try_from(v);
            };
            let mut map = std::collections::HashMap::new();
            let mut keys = keys.iter();
            while let Some(k) = keys.next() {
                let key = match Value::try_from(k)? {
                    Value::String(s) => Key::String(s),
                    Value::Int(i) => Key::Int(i),
                    Value::UInt(u) => Key::Uint(u),
                    Value::Bool(b) => Key::Bool(b),
                    _ => return Value::try_from(v),
                };
                map.insert(key, to_value(index.get(k)?.as_ref())?);
            }
            Ok(Value::Map(Map { map: Arc::new(map) }))
        }
        Kind::List => match v.downcast_ref::<CelList>() {
            Some(list) => Ok(Value::List(Arc::new(
                list.inner()
                    .iter()
                    .map(|item| to_value(item.as_ref()))
                    .collect::<Result<_, _>>()?,
            ))),
            None => Value::try_from(v),
        },
        _ => Value::try_from(v),
    }
}

impl Container for JsonMap<'_> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.field(key).is_some())
    }
}

impl<'a> Indexer for JsonMap<'a> {
    fn get<'b, 'w>(&'b self, key: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        match self.field(key) {
            Some(v) => Ok(CowVal::Owned(to_val(v))),
            None => Err(no_such_key(key)),
        }
    }
    fn steal<'w>(self: Box<Self>, key: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.field(key).map(to_val).ok_or_else(|| no_such_key(key))
    }
}

fn no_such_key(key: &dyn Val) -> ExecutionError {
    let name = key
        .downcast_ref::<cel::common::types::CelString>()
        .map_or_else(|| format!("{key:?}"), |s| s.inner().to_string());
    ExecutionError::NoSuchKey(Arc::new(name))
}

impl<'a> Iterable for JsonMap<'a> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn cel::common::traits::Iterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        let keys = self.keys.get_or_init(|| {
            self.map
                .keys()
                .map(|k| cel::common::types::CelString::from(k.as_str()))
                .collect()
        });
        Box::new(KeyIter(keys.iter()))
    }
}

struct KeyIter<'b, 'a>(std::slice::Iter<'b, cel::common::types::CelString<'a>>);

impl<'b, 'a: 'w, 'w> cel::common::traits::Iterator<'b, 'w> for KeyIter<'b, 'a> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'w)> {
        self.0.next().map(|k| k as &(dyn Val + 'w))
    }
}

impl Sizer for JsonMap<'_> {
    fn size(&self) -> cel::common::types::CelInt {
        cel::common::types::CelInt::from(self.map.len() as i64)
    }
}

impl Zeroer for JsonMap<'_> {
    fn is_zero_value(&self) -> bool {
        self.map.is_empty()
    }
}

impl Expr {
    fn program(&self) -> Result<&Expression, String> {
        self.program
            .get_or_init(|| parse_fast(&self.source))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn eval(&self, ctx: &Context) -> Result<Value, String> {
        Value::resolve_val(self.program()?, ctx)
            .and_then(|v| to_value(v.as_ref()))
            .map_err(|e| format!("{e}"))
    }

    /// Whether the fast parser a run uses (`parse_fast`) reads this expression as
    /// `Env::compile` does: the content test asks it of every embedded expression.
    pub fn parsers_agree(&self) -> bool {
        match (env().compile(&self.source), parse_fast(&self.source)) {
            (Ok(program), Ok(fast)) => *program.expression() == fast,
            _ => false,
        }
    }

    /// Whether the expression is certainly false on these facts, without running it (see
    /// `prefilter`). `false` means "run it".
    pub fn false_on(&self, vars: &[(&'static str, crate::model::nodes::Fact)]) -> bool {
        self.prefilter
            .get_or_init(|| match self.program() {
                Ok(e) => super::prefilter::Term::of(&e.expr),
                Err(_) => super::prefilter::Term::Other,
            })
            .false_on(vars)
    }

    /// Whether the expression reads `var`. An expression that does not compile reads every
    /// variable (it is run, and fails, on every node).
    pub fn reads(&self, var: &str) -> bool {
        let names = self.variables.get_or_init(|| match self.program() {
            Ok(e) => {
                let refs = e.references();
                refs.variables().into_iter().map(str::to_string).collect()
            }
            Err(_) => Vec::new(),
        });
        self.program().is_err() || names.iter().any(|n| n == var)
    }

    pub fn eval_bool(&self, ctx: &Context) -> Result<bool, String> {
        match self.eval(ctx)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "`{}` gave {:?}, not a bool",
                self.source,
                other.type_of()
            )),
        }
    }
}

/// A text with `{expr}` placeholders; `{{` and `}}` are literal braces.
#[derive(Debug)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Expr(Expr),
}

impl Template {
    pub fn compile(text: &str, vars: &[&str]) -> Result<Template, String> {
        Template::compile_with(text, vars, None, Compile::Now)
    }

    pub fn compile_with(
        text: &str,
        vars: &[&str],
        node: Option<NodeKind>,
        when: Compile,
    ) -> Result<Template, String> {
        let parts = pieces(text)?
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => Ok(Part::Text(t)),
                Piece::Expr(e) => compile_with(e, vars, node, when).map(Part::Expr),
            })
            .collect::<Result<_, _>>()?;
        Ok(Template { parts })
    }

    pub fn expressions(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Text(_) => None,
        })
    }

    pub fn render(&self, ctx: &Context) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => out.push_str(&display(&e.eval(ctx)?)),
            }
        }
        Ok(out)
    }
}

enum Piece<'a> {
    Text(String),
    Expr(&'a str),
}

/// A template's literal text and `{expr}` sources, in order; `{{` and `}}` are literal braces.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let close = find_close(&text[i + 1..])
                    .ok_or_else(|| format!("unclosed `{{` in template at byte {i}"))?;
                if !literal.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut literal)));
                }
                out.push(Piece::Expr(&text[i + 1..i + 1 + close]));
                while chars.peek().is_some_and(|(j, _)| *j <= i + 1 + close) {
                    chars.next();
                }
            }
            '}' => return Err(format!("stray `}}` in template at byte {i}")),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        out.push(Piece::Text(literal));
    }
    Ok(out)
}

/// A message template as documentation reads it (`moat explain`, SARIF rule help): fields
/// become `<field>`, string literals stay, and a conditional shows the text it adds when it
/// applies (its non-empty branch), so no CEL source reaches a reader.
pub fn documented(template: &str) -> String {
    let Ok(pieces) = pieces(template) else {
        return template.to_string();
    };
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Expr(e) => {
                parse_fast(e).map_or_else(|_| "<value>".into(), |e| document_expr(&e.expr))
            }
        })
        .collect()
}

fn document_expr(e: &cel::common::ast::Expr) -> String {
    use cel::common::ast::{operators, Expr as E, LiteralValue};
    match e {
        E::Literal(LiteralValue::String(s)) => s.inner().to_string(),
        E::Literal(_) => String::new(),
        E::Ident(name) => format!("<{name}>"),
        E::Select(s) => format!("<{}>", s.field.replace('_', " ")),
        E::Call(call) if call.func_name == operators::CONDITIONAL && call.args.len() == 3 => {
            let then = document_expr(&call.args[1].expr);
            if then.is_empty() {
                document_expr(&call.args[2].expr)
            } else {
                then
            }
        }
        E::Call(call) if call.func_name == operators::ADD => {
            call.args.iter().map(|a| document_expr(&a.expr)).collect()
        }
        // `x.join(', ')`, `string(n)`, `size(x)`: the value they are about.
        E::Call(call) => match (&call.target, call.args.first()) {
            (Some(target), _) => document_expr(&target.expr),
            (None, Some(arg)) => document_expr(&arg.expr),
            (None, None) => "<value>".into(),
        },
        _ => "<value>".into(),
    }
}

/// Closing `}` of a placeholder, skipping braces inside CEL string literals and map literals.
fn find_close(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') if depth == 0 => return Some(i),
            (None, '}') => depth -= 1,
            _ => {}
        }
    }
    None
}

pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_placeholders_and_braces() {
        assert_eq!(
            documented("Run `{s.cmd}`{s.exposed ? '; until then keep it off ' + s.net : ''} ${{{env.name}:?}}"),
            "Run `<cmd>`; until then keep it off <net> ${<name>:?}"
        );
        assert_eq!(
            documented("{a.b == null ? 'no tag' : 'tag `' + a.tag + '`'}"),
            "no tag"
        );
        let t = Template::compile("service `{s.name}` {{literal}} {s.n + 1}", &["s"]).unwrap();
        let mut ctx = Context::with_env(env());
        ctx.add_variable_from_value("s", to_cel(&serde_json::json!({"name": "web", "n": 1})));
        assert_eq!(t.render(&ctx).unwrap(), "service `web` {literal} 2");
    }

    #[test]
    fn unknown_variables_are_rejected() {
        assert!(compile("servce.user == null", &["service"])
            .unwrap_err()
            .contains("servce"));
        assert!(compile("service.user ==", &["service"]).is_err());
        assert!(compile("[1,2].exists(x, x > service.n)", &["service"]).is_ok());
    }
}
