//! Checking every case against the golden data MLX produced, with a repro
//! for each failure and the coverage summary.

use crate::case::{case_files, namespace, Case, CaseFile};
use crate::compare::compare;
use crate::data::{read_safetensors, HostData};
use crate::runner::{load_inputs, run_case, with_quiet_panics};
use crate::{registry, Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One output as MLX reported it.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldenOutput {
    /// Its key in `outputs.safetensors`.
    pub key: String,
    /// Its dtype name.
    pub dtype: String,
    /// Its shape.
    pub shape: Vec<usize>,
}

/// One case as MLX ran it.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldenCase {
    /// The op.
    pub op: String,
    /// `ok` or `error`.
    pub status: String,
    /// MLX's error message.
    #[serde(default)]
    pub error: Option<String>,
    /// The outputs, when ok.
    #[serde(default)]
    pub outputs: Vec<GoldenOutput>,
}

#[derive(Deserialize)]
struct ReportFile {
    mlx_version: String,
    cases: BTreeMap<String, GoldenCase>,
}

/// The golden data: MLX's inputs, outputs and report.
#[derive(Debug)]
pub struct Golden {
    /// MLX's version.
    pub mlx_version: String,
    /// Inputs, keyed `<file stem>/<key>`.
    pub inputs: BTreeMap<String, HostData>,
    /// Outputs, keyed `<case>` or `<case>.<i>`.
    pub outputs: BTreeMap<String, HostData>,
    /// Per-case status.
    pub cases: BTreeMap<String, GoldenCase>,
}

impl Golden {
    /// Loads `inputs.safetensors`, `outputs.safetensors` and `report.json`
    /// from a directory.
    pub fn load(dir: &Path) -> Result<Golden> {
        let rp = dir.join("report.json");
        let text = std::fs::read_to_string(&rp).map_err(|e| Error::io(&rp, e))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|source| Error::Json {
            path: rp.clone(),
            source,
        })?;
        Ok(Golden {
            mlx_version: report.mlx_version,
            inputs: read_safetensors(&dir.join("inputs.safetensors"))?,
            outputs: read_safetensors(&dir.join("outputs.safetensors"))?,
            cases: report.cases,
        })
    }
}

/// The judgement of one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Same outputs (within tolerance), or both sides raised.
    Pass,
    /// The op is not mapped in the registry.
    Unmapped,
    /// A difference; the text is the repro.
    Fail(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The op.
    pub op: String,
    /// The case file.
    pub file: PathBuf,
    /// The judgement.
    pub verdict: Verdict,
}

/// Describes a case's arguments for a repro: tensors by key with dtype,
/// shape and view; literals as written.
fn describe_args(case: &Case, file: &CaseFile) -> String {
    let arg = |v: &serde_json::Value| -> String {
        match v.get("tensor").and_then(|k| k.as_str()) {
            Some(key) => {
                let spec = file
                    .inputs
                    .get(key)
                    .map(|s| {
                        format!(
                            "{} {:?} init={}",
                            s.dtype,
                            s.shape,
                            s.init.as_deref().unwrap_or("normal")
                        )
                    })
                    .unwrap_or_else(|| "undeclared".into());
                let view = v.get("view").map(|w| format!(" view={w}")).unwrap_or_default();
                format!("{key}: {spec}{view}")
            }
            None => v.to_string(),
        }
    };
    let mut parts: Vec<String> = case.args.iter().map(|v| {
        // lists of tensors (concatenate, stack)
        match v.as_array() {
            Some(l) if l.iter().any(|x| x.get("tensor").is_some()) => {
                format!("[{}]", l.iter().map(arg).collect::<Vec<_>>().join(", "))
            }
            _ => arg(v),
        }
    }).collect();
    parts.extend(case.kwargs.iter().map(|(k, v)| format!("{k}={}", arg(v))));
    format!("{}({})", case.op, parts.join(", "))
}

/// Judges one case against the golden data.
pub fn check_case(
    case: &Case,
    file: &CaseFile,
    golden: &Golden,
    tensors: &BTreeMap<String, mlx_ops::Tensor>,
) -> Verdict {
    if !registry::is_mapped(&case.op) {
        return Verdict::Unmapped;
    }
    let head = format!("case {}\n  call: {}", case.name, describe_args(case, file));
    let Some(g) = golden.cases.get(&case.name) else {
        return Verdict::Fail(format!(
            "{head}\n  no golden data for this case: run crates/mlx-conformance/generate.sh"
        ));
    };
    let ours = run_case(case, tensors);
    match (g.status.as_str(), ours) {
        ("error", Err(_)) => Verdict::Pass,
        ("error", Ok(outs)) => {
            let mut s = format!(
                "{head}\n  MLX raised: {}\n  we returned:",
                g.error.as_deref().unwrap_or("?")
            );
            for (k, d) in &outs {
                let _ = write!(s, "\n    {k}: {} {:?} {}", d.dtype, d.shape, d.preview(8));
            }
            Verdict::Fail(s)
        }
        (_, Err(e)) => {
            let want: Vec<String> = g
                .outputs
                .iter()
                .map(|o| format!("{} {:?}", o.dtype, o.shape))
                .collect();
            Verdict::Fail(format!(
                "{head}\n  MLX returned: {}\n  we raised: {e}",
                want.join(", ")
            ))
        }
        (_, Ok(outs)) => {
            let keys: Vec<&str> = outs.iter().map(|(k, _)| k.as_str()).collect();
            let gkeys: Vec<&str> = g.outputs.iter().map(|o| o.key.as_str()).collect();
            if keys != gkeys {
                return Verdict::Fail(format!(
                    "{head}\n  outputs: MLX returned {gkeys:?}, we returned {keys:?}"
                ));
            }
            let mut fails = String::new();
            for (k, got) in &outs {
                let Some(want) = golden.outputs.get(k) else {
                    let _ = write!(fails, "\n  {k}: missing from outputs.safetensors (regenerate)");
                    continue;
                };
                if let Err(m) = compare(&case.op, want, got) {
                    let _ = write!(
                        fails,
                        "\n  {k}: {m}\n    expected {} {:?} {}\n    got      {} {:?} {}",
                        want.dtype,
                        want.shape,
                        want.preview(8),
                        got.dtype,
                        got.shape,
                        got.preview(8)
                    );
                }
            }
            if fails.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("{head}{fails}"))
            }
        }
    }
}

/// Checks every case of every case file in `cases_dir` against `golden`.
/// A case file that cannot be loaded fails all its mapped cases.
pub fn check_all(cases_dir: &Path, golden: &Golden) -> Result<Vec<CaseResult>> {
    let mut results = vec![];
    for path in case_files(cases_dir)? {
        let file = CaseFile::load(&path)?;
        let tensors = load_inputs(&file, &namespace(&path), &golden.inputs);
        with_quiet_panics(|| {
            for case in &file.cases {
                let verdict = match &tensors {
                    Ok(t) => check_case(case, &file, golden, t),
                    Err(_) if !registry::is_mapped(&case.op) => Verdict::Unmapped,
                    Err(e) => Verdict::Fail(format!("case {}\n  inputs: {e}", case.name)),
                };
                results.push(CaseResult {
                    name: case.name.clone(),
                    op: case.op.clone(),
                    file: path.clone(),
                    verdict,
                });
            }
        });
    }
    Ok(results)
}

/// The op names of `ops.txt` (whitespace-separated, `#` starts a comment).
pub fn read_ops_list(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .map(String::from)
        .collect())
}

/// Counts for the summary line.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Cases of mapped ops.
    pub mapped: usize,
    /// Of which passed.
    pub passed: usize,
    /// Cases of unmapped ops (not run).
    pub unmapped: usize,
    /// Ops of the list that are mapped and exercised by some case.
    pub covered: Vec<String>,
    /// Ops of the list that are not.
    pub not_covered: Vec<String>,
}

impl Summary {
    /// Tallies results against the list of ops the project must cover.
    pub fn new(results: &[CaseResult], ops: &[String]) -> Summary {
        let mut s = Summary::default();
        let mut exercised = BTreeSet::new();
        for r in results {
            match r.verdict {
                Verdict::Unmapped => s.unmapped += 1,
                Verdict::Pass => {
                    s.mapped += 1;
                    s.passed += 1;
                }
                Verdict::Fail(_) => s.mapped += 1,
            }
            if r.verdict != Verdict::Unmapped {
                exercised.insert(r.op.as_str());
            }
        }
        for op in ops {
            if exercised.contains(op.as_str()) {
                s.covered.push(op.clone());
            } else {
                s.not_covered.push(op.clone());
            }
        }
        s
    }

    /// `conformance: 812/830 cases pass; ops covered 97/120; not covered: [...]`.
    pub fn line(&self) -> String {
        format!(
            "conformance: {}/{} cases pass; ops covered {}/{}; not covered: [{}]",
            self.passed,
            self.mapped,
            self.covered.len(),
            self.covered.len() + self.not_covered.len(),
            self.not_covered.join(", ")
        )
    }
}
