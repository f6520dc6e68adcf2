//! Grading a whole class: every folder below a directory is a submission (as GitHub
//! Classroom clones them). One scratch build for all of them, then each graded in
//! turn with a progress bar, then a CSV with a row per student and a column per lab,
//! and a report per student. One broken or hostile submission costs only its own row.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use crate::grade::{self, Options, Report};
use crate::report::{self, Detail};

/// What a class run wrote.
pub struct ClassResult {
    pub reports: Vec<Report>,
    pub csv: PathBuf,
}

pub fn grade_class(
    opts: &Options,
    class_dir: &Path,
    out_dir: &Path,
) -> Result<ClassResult, String> {
    let dirs = crate::submission::class_folders(class_dir)?;
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;

    let bar = ProgressBar::new(dirs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix("grading");
    bar.set_message(format!("building {} submissions", dirs.len()));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let reports = grade::grade_submissions(opts, &dirs, &|r: &Report| {
        bar.set_message(r.submission.clone().unwrap_or_default());
        bar.inc(1);
    })?;
    bar.finish_and_clear();

    for r in &reports {
        let name = r.submission.clone().unwrap_or_else(|| "submission".into());
        let base = out_dir.join(safe_file_name(&name));
        write(&base.with_extension("txt"), &report::table(r, Detail::All))?;
        write(&base.with_extension("json"), &report::json(r))?;
    }
    let csv_path = out_dir.join("grades.csv");
    write_csv(&csv_path, &reports)?;
    Ok(ClassResult {
        reports,
        csv: csv_path,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A student's folder name as a file name: no path separators, no leading dot.
fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c == '/' || c == '\0' { '_' } else { c })
        .collect();
    s.trim_start_matches('.').to_string()
}

/// `student,pids,fork,...,total,max_score,problems`: one row per submission.
fn write_csv(path: &Path, reports: &[Report]) -> Result<(), String> {
    let mut w = csv::Writer::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let labs: Vec<String> = reports
        .first()
        .map(|r| r.labs.iter().map(|l| l.lab.name.clone()).collect())
        .unwrap_or_default();
    let mut header = vec!["student".to_string()];
    header.extend(labs.iter().cloned());
    header.extend(["total".into(), "max_score".into(), "problems".into()]);
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in reports {
        let mut row = vec![r.submission.clone().unwrap_or_default()];
        for lab in &labs {
            let score = r
                .labs
                .iter()
                .find(|l| &l.lab.name == lab)
                .map_or(0, |l| l.score());
            row.push(score.to_string());
        }
        row.push(r.score().to_string());
        row.push(r.max_score().to_string());
        row.push(r.problems.join("; "));
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
