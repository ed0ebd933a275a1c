//! `orgdesk-wasm-build <input.wasm> <out-dir> <main-name>`
//!
//! Turns the front end's module, built with `-C link-args=--emit-relocs`, into what the browser
//! loads, the way `cargo leptos build --split` does:
//!
//! 1. splits it at the split points Leptos' `#[lazy]` and `#[lazy_route]` mark, into the main
//!    module, the chunks (`<out-dir>/<chunk>.wasm`) and their loader
//!    (`<out-dir>/__wasm_split.______________________.js`);
//! 2. writes `<out-dir>/__wasm_split_manifest.json`: for each split point, the chunks it needs,
//!    which the server reads to preload a page's chunks beside the main module;
//! 3. runs wasm-bindgen on the main module, as `wasm-bindgen --target web --no-typescript
//!    --keep-lld-exports --no-demangle` would: `<out-dir>/<main-name>.js` and
//!    `<out-dir>/<main-name>.wasm`.
//!
//! wasm-opt is left to the caller. It prints the chunks' file names, one per line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
        return Err("usage: orgdesk-wasm-build <input.wasm> <out-dir> <main-name>".into());
    };
    let out_dir = PathBuf::from(out_dir);
    let name = name.to_string_lossy().into_owned();
    let input_wasm = std::fs::read(&input)?;
    let main_out = out_dir.join(format!("{name}_split.wasm"));
    let main_module = format!("./{name}.js");

    let mut options = wasm_split_cli_support::Options::new(&input_wasm);
    options.output_dir = &out_dir;
    options.main_out_path = &main_out;
    options.main_module = &main_module;
    // The loader's name where Leptos' `HydrationScripts` looks for it without hashed names.
    options.link_name = "./__wasm_split.______________________.js";
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:#}"))?;

    // Sorted, so the same input gives the same manifest (its hash names the build).
    let manifest: BTreeMap<&String, &Vec<String>> = split.prefetch_map.iter().collect();
    std::fs::write(
        out_dir.join("__wasm_split_manifest.json"),
        to_json(&manifest),
    )?;

    bind(&main_out, &out_dir, &name)?;
    std::fs::remove_file(&main_out)?;

    for module in &split.split_modules {
        if let Some(file) = module.file_name() {
            println!("{}", file.to_string_lossy());
        }
    }
    Ok(())
}

/// wasm-bindgen on the main module: `<name>.js` and `<name>.wasm` in `out_dir`. The exports the
/// linker added stay (the chunks import them from the main module).
fn bind(main_module: &Path, out_dir: &Path, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(main_module)
        .out_name(name)
        .web(true)
        .map_err(|e| format!("{e:#}"))?
        .typescript(false)
        .demangle(false)
        .keep_lld_exports(true)
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

fn to_json(manifest: &BTreeMap<&String, &Vec<String>>) -> String {
    let entries: Vec<String> = manifest
        .iter()
        .map(|(split, chunks)| {
            let chunks: Vec<String> = chunks.iter().map(|c| quote(c)).collect();
            format!("  {}: [{}]", quote(split), chunks.join(", "))
        })
        .collect();
    format!("{{\n{}\n}}\n", entries.join(",\n"))
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
