//! `orgdesk-wasm-build <input.wasm> <out-dir> <name>`
//!
//! Turns one of the front end's modules (the console's, frontend/, or a public pages' one,
//! frontend/sign-in/, frontend/reset-password/ and frontend/account/) into what the browser loads: wasm-bindgen,
//! as `wasm-bindgen --target web --no-typescript --no-demangle` would, writes
//! `<out-dir>/<name>.js` and `<out-dir>/<name>.wasm`. wasm-opt is left to the caller
//! (scripts/build-site.sh).
//!
//! The front end is not split (docs/decisions.md 45): a module with a split point of Leptos'
//! `#[lazy]` or `#[lazy_route]` is refused, since nothing here would build the chunk it loads.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orgdesk-wasm-build: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(out_dir), Some(name), None) =
        (args.next(), args.next(), args.next(), args.next())
    else {
        return Err("usage: orgdesk-wasm-build <input.wasm> <out-dir> <name>".into());
    };
    let out_dir = Path::new(&out_dir);
    let name = name.to_string_lossy().into_owned();
    let wasm = std::fs::read(&input)?;
    if has_split_point(&wasm) {
        return Err(format!(
            "{name}: has a #[lazy] split point, and this build does not split modules (docs/decisions.md 45)"
        )
        .into());
    }
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_bytes(&name, wasm)
        .out_name(&name)
        .web(true)
        .map_err(|e| format!("{e:#}"))?
        .typescript(false)
        .demangle(false)
        // As the CLI: the JS names the module's default path (Leptos passes its own anyway).
        .omit_default_module_path(false);
    bindgen
        .generate(out_dir)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    std::fs::rename(
        out_dir.join(format!("{name}_bg.wasm")),
        out_dir.join(format!("{name}.wasm")),
    )?;
    Ok(())
}

/// Whether the module names a split point: Leptos' split macros give each one an import and an
/// export named `__wasm_split_00…`.
fn has_split_point(wasm: &[u8]) -> bool {
    const SPLIT_PREFIX: &[u8] = b"__wasm_split_00";
    wasm.windows(SPLIT_PREFIX.len()).any(|w| w == SPLIT_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::has_split_point;

    #[test]
    fn a_split_point_is_found_by_its_name() {
        assert!(has_split_point(b"\0asm...__wasm_split_00console_view_00import_1..."));
        assert!(!has_split_point(b"\0asm...__wasm_bindgen_..."));
    }
}
