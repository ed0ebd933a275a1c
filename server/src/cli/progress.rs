//! Progress for long commands: a bar on a terminal, a plain line per tenth when stdout is a
//! file or a pipe (logs and scripts get something readable, not control characters).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    what: &'static str,
    total: u64,
    bar: Option<ProgressBar>,
    /// Plain mode: the last tenth printed.
    printed: AtomicU64,
}

impl Progress {
    pub fn new(what: &'static str, total: u64) -> Progress {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed}, {eta} left)")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what);
            bar
        });
        Progress {
            what,
            total,
            bar,
            printed: AtomicU64::new(0),
        }
    }

    /// `done` of the total are done.
    pub fn set(&self, done: u64) {
        let done = done.min(self.total);
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                let tenth = (done * 10).checked_div(self.total).unwrap_or(10);
                if tenth > self.printed.fetch_max(tenth, Ordering::Relaxed) {
                    println!("{}: {done}/{}", self.what, self.total);
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
