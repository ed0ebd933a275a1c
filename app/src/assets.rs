//! The build's file names. `scripts/build-site.sh` puts the front end (the main module, the
//! console's chunk, their JS and the stylesheet) in a folder named after a hash of its contents,
//! `pkg/<hash>/`, so browsers may keep every file in it for a year, and writes `build: <hash>` to
//! `hash.txt` beside the server binary. The server then uses `pkg/<hash>` as Leptos' package
//! directory: the hydration scripts, the chunk preloads and the stylesheet all point into it.
//! Without the file (`cargo leptos watch`) the files are in `pkg/` itself.

use std::sync::OnceLock;

use leptos::prelude::LeptosOptions;

/// Where the stylesheet is served, e.g. `/pkg/3f2a…/orgdesk.css`.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| format!("/{}/{}.css", options.site_pkg_dir, options.output_name))
        .clone()
}

/// Where the public pages' stylesheet is served: the console's without its console-only
/// regions (style/main.css, `scripts/build-site.sh`).
pub fn public_stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| format!("/{}/public.css", options.site_pkg_dir))
        .clone()
}

/// Whether the build has the public pages' modules (frontend/sign-in/, frontend/reset-password/,
/// app/src/public.rs): `<name>.js` and `<name>.wasm` beside the main module. `scripts/build-site.sh`
/// builds them; a build without them (`cargo leptos watch`, which builds the main module alone)
/// serves the public pages with the console's module, as one app.
#[cfg(feature = "ssr")]
pub fn has_public_modules(options: &LeptosOptions) -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        let found = crate::public::PublicModule::ALL
            .iter()
            .all(|module| pkg.join(format!("{}.wasm", module.name())).is_file());
        if !found {
            tracing::warn!("no public pages' modules in this build: the public pages load the console's main module");
        }
        found
    })
}

/// Leptos' options for a public page's hydration scripts: the same, naming its module.
pub fn public_module_options(
    options: &LeptosOptions,
    module: crate::public::PublicModule,
) -> LeptosOptions {
    let mut options = options.clone();
    options.output_name = module.name().into();
    options
}

/// What a console page asks the browser to preload beside the main module: the console chunk's
/// wasm files, as the build's split manifest lists them, and their loader. Read once; empty
/// when the build has no split manifest (a build without the console chunk).
#[cfg(feature = "ssr")]
pub fn console_preloads(options: &LeptosOptions) -> &'static ConsolePreloads {
    static PRELOADS: OnceLock<ConsolePreloads> = OnceLock::new();
    PRELOADS.get_or_init(|| {
        let pkg = &options.site_pkg_dir;
        let manifest = std::path::Path::new(&*options.site_root)
            .join(&**pkg)
            .join("__wasm_split_manifest.json");
        let modules = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| console_modules(&text))
            .unwrap_or_default();
        if modules.is_empty() {
            tracing::warn!(manifest = %manifest.display(), "no console chunk in the split manifest: console pages load it without a preload");
            return ConsolePreloads::default();
        }
        ConsolePreloads {
            wasm: modules
                .iter()
                .map(|m| format!("/{pkg}/{m}.wasm"))
                .collect(),
            loader: Some(format!("/{pkg}/__wasm_split.______________________.js")),
        }
    })
}

/// See `console_preloads`.
#[derive(Debug, Default)]
pub struct ConsolePreloads {
    pub wasm: Vec<String>,
    pub loader: Option<String>,
}

/// The modules of the console's split point (`console_view_<hash>` in app/src/routes.rs) in a
/// split manifest, `{ "<split point>": ["<module>", …] }`.
#[cfg(feature = "ssr")]
fn console_modules(manifest: &str) -> Option<Vec<String>> {
    let map: std::collections::HashMap<String, Vec<String>> =
        serde_json::from_str(manifest).ok()?;
    let (_, modules) = map
        .into_iter()
        .find(|(split, _)| split.starts_with("console_view_"))?;
    modules
        .iter()
        .all(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(modules)
}

/// The hash file beside the running binary, if there is one.
pub fn read_hashes(file_name: &str) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join(file_name)).ok()
}

/// The build folder named in a hash file's `build: <hash>` line: 16 hex digits, nothing else
/// (the name becomes part of every asset URL).
pub fn build_of(hashes: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (kind, hash) = line.split_once(':')?;
        let hash = hash.trim();
        (kind.trim() == "build" && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hash.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::build_of;

    #[cfg(feature = "ssr")]
    #[test]
    fn the_console_chunk_is_found_in_the_split_manifest() {
        let manifest = r#"{ "console_view_123": ["chunk_1", "split_console_view_123"] }"#;
        assert_eq!(
            super::console_modules(manifest),
            Some(vec![
                "chunk_1".to_owned(),
                "split_console_view_123".to_owned()
            ])
        );
        assert_eq!(super::console_modules(r#"{ "other_1": ["a"] }"#), None);
        assert_eq!(
            super::console_modules(r#"{ "console_view_1": ["../x"] }"#),
            None
        );
        assert_eq!(super::console_modules("not json"), None);
    }

    #[test]
    fn the_build_folder_is_read_from_its_line() {
        assert_eq!(
            build_of("build: 0123456789abcdef\n").as_deref(),
            Some("0123456789abcdef")
        );
        assert_eq!(build_of("js: 0123456789abcdef\n"), None);
        assert_eq!(build_of("build:\n"), None);
        assert_eq!(build_of("build: ../../etc/pass\n"), None);
        assert_eq!(build_of("build: 0123456789abcdeg\n"), None);
    }
}
