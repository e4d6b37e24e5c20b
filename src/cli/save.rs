//! `--save DIR` of the launchers: the results of one run go to one new file in DIR, written as
//! `.partial` and renamed when the run ends, so that a reader (or `sonde inject --directory`)
//! never sees half a run.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// A run's output file being written.
pub(crate) struct Saved {
    partial: PathBuf,
    path: PathBuf,
}

/// Where a run's output goes: standard output, or with `save` a new file
/// `DIR/<prefix>-<unix time>-<pid>.<ext>` (returned so that [`Saved::commit`] can finish it).
pub(crate) fn sink(
    save: Option<&Path>,
    prefix: &str,
    ext: &str,
) -> anyhow::Result<(Box<dyn Write>, Option<Saved>)> {
    let Some(dir) = save else {
        return Ok((Box::new(std::io::BufWriter::new(std::io::stdout())), None));
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let path = dir.join(format!("{prefix}-{secs}-{}.{ext}", std::process::id()));
    let partial = path.with_extension(format!("{ext}.partial"));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    Ok((
        Box::new(std::io::BufWriter::new(file)),
        Some(Saved { partial, path }),
    ))
}

impl Saved {
    /// Gives the finished file its final name (the sink must have been flushed).
    pub(crate) fn commit(self) -> anyhow::Result<PathBuf> {
        std::fs::rename(&self.partial, &self.path).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.partial.display(),
                self.path.display()
            )
        })?;
        tracing::info!(file = %self.path.display(), "results saved");
        Ok(self.path)
    }
}
