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
//!
//! A module without split points (the public pages' modules, frontend/sign-in/ and
//! frontend/reset-password/, which have no console) is not split: only step 3 runs.

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
    let module = walrus::ModuleConfig::new()
        .strict_validate(false)
        .parse(&input_wasm)?;
    if !calls_a_split_point(&module) {
        return bind_unsplit(module, &out_dir, &name);
    }
    drop(module);
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

/// The import a `#[lazy]` function's callers go through; `wasm_split_cli_support` pairs each
/// with the export of the same name and id.
const SPLIT_IMPORT: &str = "00_import_";
const SPLIT_EXPORT: &str = "00_export_";
const SPLIT_PREFIX: &str = "__wasm_split_00";

fn calls_a_split_point(module: &walrus::Module) -> bool {
    module
        .imports
        .iter()
        .any(|import| import.name.starts_with(SPLIT_PREFIX) && import.name.contains(SPLIT_IMPORT))
}

/// wasm-bindgen on a module without split points. One that still exports a split point's
/// function is refused: that export keeps code nothing in the module calls (and the table
/// entries behind it keep it past wasm-bindgen's clean-up), which in a public pages' module
/// means the whole console: the entry crate asked for the `console-chunk` feature it must not
/// have (app/Cargo.toml). The linker's relocations go, as the splitter drops them.
fn bind_unsplit(
    mut module: walrus::Module,
    out_dir: &Path,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(export) = module
        .exports
        .iter()
        .find(|export| export.name.starts_with(SPLIT_PREFIX) && export.name.contains(SPLIT_EXPORT))
    {
        return Err(format!(
            "{name}: exports the split point {} but calls none: build it without the split points (the `console-chunk` feature)",
            export.name
        )
        .into());
    }
    let linker_sections: Vec<String> = module
        .customs
        .iter()
        .map(|(_, section)| section.name().to_owned())
        .filter(|name| name == "linking" || name.starts_with("reloc."))
        .collect();
    for section in linker_sections {
        module.customs.remove_raw(&section);
    }
    let mut bindgen = bindgen(name)?;
    bindgen.input_module(name, module);
    generate(&mut bindgen, out_dir, name)
}

/// wasm-bindgen on the main module: `<name>.js` and `<name>.wasm` in `out_dir`. The exports the
/// linker added stay (the chunks import them from the main module).
fn bind(main_module: &Path, out_dir: &Path, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut bindgen = bindgen(name)?;
    bindgen.input_path(main_module);
    generate(&mut bindgen, out_dir, name)
}

/// wasm-bindgen as `wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle`.
fn bindgen(name: &str) -> Result<wasm_bindgen_cli_support::Bindgen, Box<dyn std::error::Error>> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .out_name(name)
        .web(true)
        .map_err(|e| format!("{e:#}"))?
        .typescript(false)
        .demangle(false)
        .keep_lld_exports(true)
        // As the CLI: the JS names the module's default path (Leptos passes its own anyway).
        .omit_default_module_path(false);
    Ok(bindgen)
}

/// Writes `<name>.js` and `<name>.wasm` in `out_dir`.
fn generate(
    bindgen: &mut wasm_bindgen_cli_support::Bindgen,
    out_dir: &Path,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
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
