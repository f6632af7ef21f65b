#!/usr/bin/env bash
# Builds the browser version into a static folder (default web/dist):
#   web/build.sh            size-optimised (`web` profile + wasm-opt), for publishing
#   PROFILE=dev web/build.sh   quick unoptimised build, for tests
# Serve it with: python3 -m http.server -d web/dist 8000
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${PROFILE:-web}"
out="${OUT:-web/dist}"
target_dir="${CARGO_TARGET_DIR:-target}"
tools="${SYSTEMDECODER_TOOLS:-$HOME/.cache/systemdecoder/tools}"
export PATH="$tools/bin:$PATH"

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The wasm-bindgen tool must be exactly the version of the locked crate.
version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$version" ]; then
    echo "installing wasm-bindgen-cli $version into $tools"
    # (--locked fails here: one of its locked dependencies was yanked.)
    cargo install wasm-bindgen-cli --version "$version" --root "$tools"
fi

started=$(date +%s)
cargo build --locked --profile "$profile" --bin systemdecoder --target wasm32-unknown-unknown
built=$(date +%s)
dir="$profile"; [ "$profile" = dev ] && dir=debug
wasm="$target_dir/wasm32-unknown-unknown/$dir/systemdecoder.wasm"

rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name systemdecoder "$wasm"
cp web/index.html "$out/"

if [ "$profile" != dev ]; then
    # Binaryen's wasm-opt from npm, pinned: Debian 12's (version 108) writes
    # a module whose function table browsers refuse ("Table.set(): Argument 1
    # is invalid"), so it is not used.
    opt="$tools/binaryen/node_modules/.bin/wasm-opt"
    if [ ! -x "$opt" ] && command -v npm >/dev/null; then
        npm install --prefix "$tools/binaryen" --no-audit --no-fund --loglevel=error binaryen@132.0.0
    fi
    if [ -x "$opt" ]; then
        # The features rustc's wasm32 target uses by default.
        "$opt" -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue \
            "$out/systemdecoder_bg.wasm" -o "$out/opt.wasm"
        mv "$out/opt.wasm" "$out/systemdecoder_bg.wasm"
    else
        echo "npm not found: skipping wasm-opt (the module works, about 45 % larger)"
    fi
fi

raw=$(stat -c %s "$out/systemdecoder_bg.wasm")
gz=$(gzip -9 -c "$out/systemdecoder_bg.wasm" | wc -c)
echo "built $out in $(( $(date +%s) - started )) s (cargo $(( built - started )) s): wasm $((raw / 1024)) KiB raw, $((gz / 1024)) KiB gzip"
