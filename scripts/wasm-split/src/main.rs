//! `orgdesk-wasm-split <input.wasm> <out-dir> <main-name>`
//!
//! Splits a wasm module built with `-C link-args=--emit-relocs` at the split points that
//! Leptos' `#[lazy]` and `#[lazy_route]` mark, the way `cargo leptos build --split` does:
//!
//! - `<out-dir>/<main-name>_split.wasm`: the main module, for wasm-bindgen;
//! - `<out-dir>/<chunk>.wasm` and `<out-dir>/__wasm_split.______________________.js`: the
//!   chunks and their loader;
//! - `<out-dir>/__wasm_split_manifest.json`: for each split point, the chunks it needs, which
//!   the server reads to preload a page's chunks beside the main module.
//!
//! It prints the chunks' file names, one per line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orgdesk-wasm-split: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(out_dir), Some(name), None) =
        (args.next(), args.next(), args.next(), args.next())
    else {
        return Err("usage: orgdesk-wasm-split <input.wasm> <out-dir> <main-name>".into());
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
    for module in &split.split_modules {
        if let Some(file) = module.file_name() {
            println!("{}", file.to_string_lossy());
        }
    }
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
