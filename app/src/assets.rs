//! The build's file names. `scripts/build-site.sh` puts the front end (the console's module,
//! the public pages' modules, their JS and the stylesheets) in a folder named after a hash of
//! its contents, `pkg/<hash>/`, so browsers may keep every file in it for a year, and writes
//! `build: <hash>` to `hash.txt` beside the server binary. The server then uses `pkg/<hash>` as
//! Leptos' package directory: the hydration scripts and the stylesheets all point into it.
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
/// frontend/account/, app/src/public.rs): `<name>.js` and `<name>.wasm` beside the console's module.
/// `scripts/build-site.sh` builds them; a build without them (`cargo leptos watch`, which builds
/// the console's module alone, with the public pages in it: frontend/'s `public-pages` feature)
/// serves the public pages with the console's module.
#[cfg(feature = "ssr")]
pub fn has_public_modules(options: &LeptosOptions) -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        let found = crate::public::PublicModule::ALL
            .iter()
            .all(|module| pkg.join(format!("{}.wasm", module.name())).is_file());
        if !found {
            tracing::warn!("no public pages' modules in this build: the public pages load the console's module");
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
