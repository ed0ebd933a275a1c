//! `orgdesk-wasm-build <input.wasm> <out-dir> <name>`
//!
//! Turns one of the front end's modules (the console's, frontend/, or a public pages' one,
//! frontend/sign-in/, frontend/reset-password/ and frontend/account/) into what the browser loads: wasm-bindgen,
//! as `wasm-bindgen --target web --no-typescript --no-demangle` would, writes
//! `<out-dir>/<name>.js` and `<out-dir>/<name>.wasm`, with the bodies of Leptos' asynchronous
//! hydration, which none of our modules can reach, replaced by `unreachable` (decision 80).
//! wasm-opt is left to the caller (scripts/build-site.sh).
//!
//! The front end is not split (docs/decisions.md 45): a module with a split point of Leptos'
//! `#[lazy]` or `#[lazy_route]` is refused, since nothing here would build the chunk it loads.

use std::collections::{HashMap, HashSet};
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
    let mut output = bindgen
        .generate_output()
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    let (snipped, kept) =
        snip_async_hydration(output.wasm_mut()).map_err(|e| format!("{name}: {e}"))?;
    eprintln!(
        "orgdesk-wasm-build: {name}: {snipped} functions of asynchronous hydration snipped, {kept} kept (called from elsewhere)"
    );
    output
        .emit(out_dir)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    std::fs::rename(
        out_dir.join(format!("{name}_bg.wasm")),
        out_dir.join(format!("{name}.wasm")),
    )?;
    Ok(())
}

/// Replaces the body of every function of Leptos' asynchronous hydration with `unreachable`
/// (docs/decisions.md 80), and returns how many it snipped and how many it left because
/// other code calls them.
///
/// Every view type's `RenderHtml::hydrate_async` is compiled in, because `AnyView` keeps a
/// pointer to it, though only `leptos::mount::hydrate_from_async` (`hydrate_lazy`) and lazy
/// routes ever start that path: each `hydrate_async` is called only by another one. Our modules
/// hydrate with `hydrate_body` and have no split points (refused above), so none of it can run.
/// With the bodies gone, wasm-opt drops what only they reached.
///
/// The snip goes by name, so the names must be true: the build turns off LLVM's merging of
/// identical functions (`-Zmerge-functions=disabled`, scripts/build-site.sh), which would
/// otherwise keep one name for, say, `hydrate`'s and `hydrate_async`'s identical helpers
/// (wasm-opt merges them again after the snip). And a function that any other function calls
/// or names stays, whatever its name. A module that does reach the asynchronous path is
/// refused rather than snipped.
fn snip_async_hydration(module: &mut walrus::Module) -> Result<(usize, usize), String> {
    let names: HashMap<walrus::FunctionId, String> = module
        .funcs
        .iter()
        .filter_map(|f| {
            let name = f.name.as_deref()?;
            Some((f.id(), format!("{:#}", rustc_demangle::demangle(name))))
        })
        .collect();
    if names
        .values()
        .any(|n| n.contains("leptos::mount::hydrate_from_async"))
    {
        return Err("hydrates asynchronously (hydrate_lazy): its hydrate_async code is live, so it can't be snipped".into());
    }
    let mut dead: HashSet<walrus::FunctionId> = names
        .iter()
        .filter(|(_, name)| is_async_hydration(name))
        .map(|(&id, _)| id)
        .filter(|&id| matches!(module.funcs.get(id).kind, walrus::FunctionKind::Local(_)))
        .collect();
    let named = dead.len();
    let referrers = references(module);
    let exported: HashSet<walrus::FunctionId> = module
        .exports
        .iter()
        .filter_map(|e| match e.item {
            walrus::ExportItem::Function(id) => Some(id),
            _ => None,
        })
        .chain(module.start)
        .collect();
    dead.retain(|id| !exported.contains(id));
    loop {
        let live: HashSet<walrus::FunctionId> = referrers
            .iter()
            .filter(|(from, _)| !dead.contains(from))
            .flat_map(|(_, to)| to.iter().copied())
            .collect();
        let before = dead.len();
        dead.retain(|id| !live.contains(id));
        if dead.len() == before {
            break;
        }
    }
    for &id in &dead {
        if let walrus::FunctionKind::Local(local) = &mut module.funcs.get_mut(id).kind {
            let mut body = local.builder_mut().func_body();
            body.instrs_mut().clear();
            body.instr(walrus::ir::Unreachable {});
        }
    }
    Ok((dead.len(), named - dead.len()))
}

/// Each local function and the functions its body calls or names.
fn references(module: &walrus::Module) -> Vec<(walrus::FunctionId, Vec<walrus::FunctionId>)> {
    struct Named(Vec<walrus::FunctionId>);
    impl<'instr> walrus::ir::Visitor<'instr> for Named {
        fn visit_function_id(&mut self, function: &walrus::FunctionId) {
            self.0.push(*function);
        }
    }
    module
        .funcs
        .iter_local()
        .map(|(id, local)| {
            let mut named = Named(Vec::new());
            walrus::ir::dfs_in_order(&mut named, local, local.entry_block());
            (id, named.0)
        })
        .collect()
}

/// Whether a demangled name is a `hydrate_async` method or code inside one (its future's
/// closures and helpers). `{:#}` demangling drops the crates' hashes, so the name reads like
/// a path.
fn is_async_hydration(name: &str) -> bool {
    name.contains("::hydrate_async")
}

/// Whether the module names a split point: Leptos' split macros give each one an import and an
/// export named `__wasm_split_00…`.
fn has_split_point(wasm: &[u8]) -> bool {
    const SPLIT_PREFIX: &[u8] = b"__wasm_split_00";
    wasm.windows(SPLIT_PREFIX.len()).any(|w| w == SPLIT_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::{has_split_point, is_async_hydration};

    #[test]
    fn a_split_point_is_found_by_its_name() {
        assert!(has_split_point(
            b"\0asm...__wasm_split_00console_view_00import_1..."
        ));
        assert!(!has_split_point(b"\0asm...__wasm_bindgen_..."));
    }

    #[test]
    fn the_asynchronous_hydration_is_found_by_its_names() {
        assert!(is_async_hydration(
            "<tachys::view::any_view::AnyView as tachys::view::RenderHtml>::hydrate_async::{closure#0}"
        ));
        assert!(is_async_hydration(
            "<tachys::html::element::HtmlElement<_, _, _> as tachys::view::RenderHtml>::hydrate_async::{closure#0}::inner_1"
        ));
        assert!(is_async_hydration(
            "<T as tachys::view::any_view::IntoAny>::into_any::hydrate_async::<tachys::html::element::HtmlElement<..>>"
        ));
        assert!(!is_async_hydration(
            "<T as tachys::view::any_view::IntoAny>::into_any::hydrate_from_server::<..>"
        ));
        assert!(!is_async_hydration(
            "leptos::mount::hydrate_body::<orgdesk_app::routes::App, _>"
        ));
    }
}
