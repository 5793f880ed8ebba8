//! Checking every case against the golden data MLX produced, with a repro
//! for each failure and the coverage summary.

use crate::case::{case_files, namespace, Case, CaseFile};
use crate::compare::compare_output;
use crate::data::{read_safetensors, HostData};
use crate::runner::{load_inputs, run_case, with_quiet_panics};
use crate::{registry, Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What MLX did with one case.
#[derive(Clone, Debug, PartialEq)]
pub enum GoldenCase {
    /// It returned these outputs (keys in the outputs file).
    Ok(Vec<String>),
    /// It raised this error.
    Error(String),
}

#[derive(Deserialize)]
struct ReportFile {
    mlx_version: String,
    #[serde(default)]
    tuples: BTreeMap<String, usize>,
    #[serde(default)]
    errors: BTreeMap<String, String>,
}

/// The golden data of one case file `<stem>.json`: MLX's inputs, outputs
/// and report (`golden/<stem>.{inputs,outputs}.safetensors`,
/// `golden/<stem>.report.json`).
#[derive(Debug)]
pub struct Golden {
    /// MLX's version.
    pub mlx_version: String,
    /// Inputs, keyed by input key.
    pub inputs: BTreeMap<String, HostData>,
    /// Outputs, keyed `<case>` or `<case>.<i>`.
    pub outputs: BTreeMap<String, HostData>,
    tuples: BTreeMap<String, usize>,
    errors: BTreeMap<String, String>,
}

impl Golden {
    /// Loads the golden data of case file stem `stem` from a directory.
    pub fn load(dir: &Path, stem: &str) -> Result<Golden> {
        let rp = dir.join(format!("{stem}.report.json"));
        let text = std::fs::read_to_string(&rp).map_err(|e| Error::io(&rp, e))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|source| Error::Json {
            path: rp.clone(),
            source,
        })?;
        Ok(Golden {
            mlx_version: report.mlx_version,
            inputs: read_safetensors(&dir.join(format!("{stem}.inputs.safetensors")))?,
            outputs: read_safetensors(&dir.join(format!("{stem}.outputs.safetensors")))?,
            tuples: report.tuples,
            errors: report.errors,
        })
    }

    /// What MLX did with case `name`; `None` when the golden data does not
    /// know the case (stale: regenerate).
    pub fn case(&self, name: &str) -> Option<GoldenCase> {
        if let Some(e) = self.errors.get(name) {
            return Some(GoldenCase::Error(e.clone()));
        }
        if let Some(&n) = self.tuples.get(name) {
            return Some(GoldenCase::Ok(
                (0..n).map(|i| format!("{name}.{i}")).collect(),
            ));
        }
        self.outputs
            .contains_key(name)
            .then(|| GoldenCase::Ok(vec![name.to_string()]))
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
    /// A difference listed in `known_differences.txt` (a deliberate
    /// deviation from MLX or a documented gap); the text is the reason.
    Known(String),
}

/// True when `name` matches `pattern`, where `*` stands for any run of
/// characters.
fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The documented differences (`known_differences.txt`): per line a case
/// name or a pattern (`*` matches any run of characters), then `#` and the
/// reason.
#[derive(Clone, Debug, Default)]
pub struct KnownDifferences(Vec<(String, String)>);

impl KnownDifferences {
    /// Reads the file; a missing file lists nothing.
    pub fn load(path: &Path) -> Result<KnownDifferences> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        Ok(KnownDifferences(
            text.lines()
                .filter_map(|l| {
                    let (pat, reason) = l.split_once('#').unwrap_or((l, ""));
                    let pat = pat.trim();
                    (!pat.is_empty()).then(|| (pat.to_string(), reason.trim().to_string()))
                })
                .collect(),
        ))
    }

    /// The reason `case` differs, when it is listed.
    pub fn reason(&self, case: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| glob(p, case))
            .map(|(_, r)| r.as_str())
    }
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The op.
    pub op: String,
    /// True for a gradient case.
    pub grad: bool,
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
                let view = v
                    .get("view")
                    .map(|w| format!(" view={w}"))
                    .unwrap_or_default();
                format!("{key}: {spec}{view}")
            }
            None => v.to_string(),
        }
    };
    let mut parts: Vec<String> = case
        .args
        .iter()
        .map(|v| {
            // lists of tensors (concatenate, stack)
            match v.as_array() {
                Some(l) if l.iter().any(|x| x.get("tensor").is_some()) => {
                    format!("[{}]", l.iter().map(arg).collect::<Vec<_>>().join(", "))
                }
                _ => arg(v),
            }
        })
        .collect();
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
    let Some(g) = golden.case(&case.name) else {
        return Verdict::Fail(format!(
            "{head}\n  no golden data for this case: run crates/mlx-conformance/generate.sh"
        ));
    };
    let ours = run_case(case, tensors);
    match (g, ours) {
        (GoldenCase::Error(_), Err(_)) => Verdict::Pass,
        (GoldenCase::Error(msg), Ok(outs)) => {
            let mut s = format!("{head}\n  MLX raised: {msg}\n  we returned:");
            for (k, d) in &outs {
                let _ = write!(s, "\n    {k}: {} {:?} {}", d.dtype, d.shape, d.preview(8));
            }
            Verdict::Fail(s)
        }
        (GoldenCase::Ok(keys), Err(e)) => {
            let want: Vec<String> = keys
                .iter()
                .map(|k| match golden.outputs.get(k) {
                    Some(d) => format!("{} {:?}", d.dtype, d.shape),
                    None => format!("{k} (missing)"),
                })
                .collect();
            Verdict::Fail(format!(
                "{head}\n  MLX returned: {}\n  we raised: {e}",
                want.join(", ")
            ))
        }
        (GoldenCase::Ok(gkeys), Ok(outs)) => {
            let keys: Vec<&str> = outs.iter().map(|(k, _)| k.as_str()).collect();
            if keys != gkeys {
                return Verdict::Fail(format!(
                    "{head}\n  outputs: MLX returned {gkeys:?}, we returned {keys:?}"
                ));
            }
            let mut fails = String::new();
            for (k, got) in &outs {
                let Some(want) = golden.outputs.get(k) else {
                    let _ = write!(
                        fails,
                        "\n  {k}: missing from outputs.safetensors (regenerate)"
                    );
                    continue;
                };
                if let Err(m) = compare_output(&case.op, k, want, got) {
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

/// Checks every case of every case file `cases_dir/<stem>.json` against
/// its golden data in `golden_dir`. A case file whose golden data or inputs
/// cannot be loaded fails all its mapped cases. Also returns the MLX
/// version the golden data came from.
pub fn check_all(
    cases_dir: &Path,
    golden_dir: &Path,
    known: &KnownDifferences,
) -> Result<(Vec<CaseResult>, String)> {
    let mut results = vec![];
    let mut version = String::from("?");
    for path in case_files(cases_dir)? {
        let file = CaseFile::load(&path)?;
        let stem = namespace(&path);
        let golden = Golden::load(golden_dir, &stem);
        if let Ok(g) = &golden {
            version.clone_from(&g.mlx_version);
        }
        let tensors = golden
            .as_ref()
            .map_err(|e| format!("golden data: {e} (run generate.sh)"))
            .and_then(|g| load_inputs(&file, &stem, &g.inputs).map_err(|e| format!("inputs: {e}")));
        with_quiet_panics(|| {
            for case in &file.cases {
                let verdict = match (&golden, &tensors) {
                    _ if !registry::is_mapped(&case.op) => Verdict::Unmapped,
                    (Ok(g), Ok(t)) => check_case(case, &file, g, t),
                    (_, Err(e)) => Verdict::Fail(format!("case {}\n  {e}", case.name)),
                    (Err(e), _) => Verdict::Fail(format!("case {}\n  {e}", case.name)),
                };
                let verdict = match (verdict, known.reason(&case.name)) {
                    (Verdict::Fail(_), Some(reason)) => Verdict::Known(reason.to_string()),
                    (v, _) => v,
                };
                results.push(CaseResult {
                    name: case.name.clone(),
                    op: case.op.clone(),
                    grad: case.grad.is_some(),
                    file: path.clone(),
                    verdict,
                });
            }
        });
    }
    Ok((results, version))
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
    /// Gradient cases among the mapped ones.
    pub grad: usize,
    /// Of which passed.
    pub grad_passed: usize,
    /// Cases of unmapped ops (not run).
    pub unmapped: usize,
    /// Cases that differ as documented in `known_differences.txt`.
    pub known: usize,
    /// Ops of the list with at least one case, all of whose cases pass.
    pub covered: Vec<String>,
    /// Ops of the list that are not.
    pub not_covered: Vec<String>,
}

impl Summary {
    /// Tallies results against the list of ops the project must cover.
    pub fn new(results: &[CaseResult], ops: &[String]) -> Summary {
        let mut s = Summary::default();
        // op -> all of its cases pass
        let mut exercised: BTreeMap<&str, bool> = BTreeMap::new();
        for r in results {
            let pass = r.verdict == Verdict::Pass;
            match r.verdict {
                Verdict::Unmapped => {
                    s.unmapped += 1;
                    continue;
                }
                Verdict::Known(_) => {
                    s.mapped += 1;
                    s.known += 1;
                    continue;
                }
                _ => {
                    s.mapped += 1;
                    s.passed += usize::from(pass);
                    if r.grad {
                        s.grad += 1;
                        s.grad_passed += usize::from(pass);
                    }
                }
            }
            let e = exercised.entry(r.op.as_str()).or_insert(true);
            *e &= pass;
        }
        for op in ops {
            if exercised.get(op.as_str()) == Some(&true) {
                s.covered.push(op.clone());
            } else {
                s.not_covered.push(op.clone());
            }
        }
        s
    }

    /// `conformance: 812/830 cases pass, 18 documented differences (40/40
    /// gradient cases pass); ops covered 97/120; not covered: [...]`.
    pub fn line(&self) -> String {
        format!(
            "conformance: {}/{} cases pass, {} documented differences ({}/{} gradient cases pass); ops covered {}/{}; not covered: [{}]",
            self.passed,
            self.mapped,
            self.known,
            self.grad_passed,
            self.grad,
            self.covered.len(),
            self.covered.len() + self.not_covered.len(),
            self.not_covered.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_patterns() {
        assert!(glob(
            "unary/*/special_complex64",
            "unary/exp/special_complex64"
        ));
        assert!(!glob(
            "unary/*/special_complex64",
            "unary/exp/special_float32"
        ));
        assert!(glob("creation/full/*", "creation/full/int8"));
        assert!(glob("a/b", "a/b"));
        assert!(!glob("a/b", "a/bc"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("ab*ba", "aba"));
    }
}
