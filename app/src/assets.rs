//! The build's file names. `scripts/build-site.sh` names the JS, wasm and CSS after a hash of
//! their contents (`orgdesk.<hash>.css`), so browsers may keep them for a year, and writes the
//! hashes to `hash.txt` beside the server binary: the convention Leptos' `HydrationScripts`
//! reads for the JS and the wasm, used here for the stylesheet. Without hashing (`cargo leptos
//! watch`, or `LEPTOS_HASH_FILES=false`) the names are plain: `orgdesk.css`.

use std::sync::OnceLock;

use leptos::prelude::LeptosOptions;

/// Where the stylesheet is served, e.g. `/pkg/orgdesk.3f2a….css`.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        let (pkg, name) = (&options.site_pkg_dir, &options.output_name);
        let hash = options
            .hash_files
            .then(|| read_hashes(&options.hash_file))
            .flatten()
            .and_then(|hashes| hash_of(&hashes, "css"));
        match hash {
            Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
    .clone()
}

/// The hash file beside the running binary, if there is one.
pub fn read_hashes(file_name: &str) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join(file_name)).ok()
}

/// `kind`'s hash in a hash file's `kind: hash` lines.
fn hash_of(hashes: &str, kind: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (k, hash) = line.split_once(':')?;
        (k.trim() == kind && !hash.trim().is_empty()).then(|| hash.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::hash_of;

    #[test]
    fn a_kinds_hash_is_read_from_its_line() {
        let file = "js: 1a2b\nwasm: 3c4d\ncss: 5e6f\n";
        assert_eq!(hash_of(file, "css").as_deref(), Some("5e6f"));
        assert_eq!(hash_of(file, "wasm").as_deref(), Some("3c4d"));
        assert_eq!(hash_of(file, "manifest"), None);
        assert_eq!(hash_of("css:\n", "css"), None);
    }
}
