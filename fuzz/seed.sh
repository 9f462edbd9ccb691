#!/usr/bin/env bash
# Seed inputs for the fuzz targets, written under fuzz/seeds/ (ignored by git):
#   fuzz/seeds/testdata/<target>/  from testdata/ (the project's own fixtures)
#   fuzz/seeds/shared/<target>/    from ../shared/corpus, small files (<= 16 KiB) of sources
#                                  whose licence lets us copy them; "test input only" sources
#                                  (see ../shared/corpus/SOURCES.md) are skipped so nothing
#                                  derived from them lands in fuzz/corpus/.
# The pipeline target's first byte picks the file name (see fuzz_targets/pipeline.rs), so its
# seeds get that byte prepended.
set -euo pipefail
cd "$(dirname "$0")/.."

out=fuzz/seeds
rm -rf "$out"
mkdir -p "$out"

# Index into NAMES in fuzz_targets/pipeline.rs for each target's kind.
pipeline_byte() {
  case "$1" in
    dockerfile) printf '\000' ;; compose) printf '\001' ;; redis_conf) printf '\002' ;;
    env_file) printf '\003' ;; systemd) printf '\004' ;; nvidia_toml) printf '\005' ;;
    helm_values) printf '\006' ;; kubernetes) printf '\007' ;;
  esac
}

add() { # add SET TARGET FILE
  local set=$1 target=$2 file=$3 sum
  sum=$(sha1sum "$file" | cut -c1-40)
  mkdir -p "$out/$set/$target" "$out/$set/pipeline"
  cp "$file" "$out/$set/$target/$sum"
  { pipeline_byte "$target"; cat "$file"; } > "$out/$set/pipeline/$sum"
}

target_for_name() { # the target that reads a file of this path, by its name
  local path=$1 name
  name=$(basename "$path" | tr '[:upper:]' '[:lower:]')
  case "$name" in
    dockerfile* | containerfile* | *.dockerfile) echo dockerfile ;;
    compose*.y*ml | docker-compose*.y*ml) echo compose ;;
    redis*.conf | sentinel*.conf) echo redis_conf ;;
    .env | *.env | .env.*) echo env_file ;;
    *.service) echo systemd ;;
    *.conf) [[ $path == *.service.d/* ]] && echo systemd ;;
    *.toml) echo nvidia_toml ;;
    values*.y*ml) echo helm_values ;;
    *.y*ml) grep -q '^apiVersion:' "$path" && echo kubernetes ;;
  esac
  return 0
}

while IFS= read -r -d '' f; do
  t=$(target_for_name "$f")
  [ -n "$t" ] && add testdata "$t" "$f"
done < <(find testdata -type f ! -name '*.snap' -size -16k -print0)

shared=../shared/corpus
if [ -f "$shared/MANIFEST.tsv" ]; then
  # Repositories whose row in SOURCES.md says "test input only".
  excluded=$(grep -i 'test input only' "$shared/SOURCES.md" | awk -F'|' 'NF > 3 {gsub(/ /, "", $2); print $2}')
  while IFS=$'\t' read -r kind path bytes repo _; do
    [ "$kind" = kind ] && continue
    grep -qxF "$repo" <<<"$excluded" && continue
    [ "$bytes" -le 16384 ] || continue
    case "$kind" in
      dockerfile) t=dockerfile ;; compose) t=compose ;; helm-values) t=helm_values ;;
      redis-conf) t=redis_conf ;; env) t=env_file ;; systemd-unit) t=systemd ;;
      nvidia-toolkit-toml | containerd-toml) t=nvidia_toml ;;
      kind) t=kubernetes ;;
      *) continue ;;
    esac
    [ -f "$shared/$path" ] && add shared "$t" "$shared/$path"
  done < "$shared/MANIFEST.tsv"
fi

for set in "$out"/*; do
  for d in "$set"/*; do echo "$(ls "$d" | wc -l) ${d#"$out"/}"; done
done
