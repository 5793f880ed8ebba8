//! Running cases: inputs from safetensors, each case through the registry,
//! outputs to safetensors and a JSON report.

use crate::args::Args;
use crate::case::{namespace, Case, CaseFile};
use crate::data::{read_safetensors, write_safetensors, HostData};
use crate::{registry, Error, Result};
use mlx_ops::{Dtype, Tensor};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// What one case produced: its outputs (keyed `<case>` or `<case>.<i>`),
/// or the error it raised.
#[derive(Debug)]
pub struct Outcome {
    /// The case's name.
    pub name: String,
    /// The op.
    pub op: String,
    /// Outputs, or the error.
    pub result: Result<Vec<(String, HostData)>>,
}

/// Builds the tensors of a case file's inputs from stored data. An input
/// `key` is looked up as `<namespace>/<key>` first (the layout of the shared
/// golden file), then as `key`; its dtype and shape must match the spec.
pub fn load_inputs(
    file: &CaseFile,
    ns: &str,
    store: &BTreeMap<String, HostData>,
) -> Result<BTreeMap<String, Tensor>> {
    let mut out = BTreeMap::new();
    for (key, spec) in &file.inputs {
        let d = store
            .get(&format!("{ns}/{key}"))
            .or_else(|| store.get(key))
            .ok_or_else(|| Error::MissingInput(key.clone()))?;
        let dtype = Dtype::from_name(&spec.dtype).ok_or_else(|| Error::BadInput {
            key: key.clone(),
            msg: format!("unknown dtype {}", spec.dtype),
        })?;
        if d.dtype != dtype || d.shape != spec.shape {
            return Err(Error::BadInput {
                key: key.clone(),
                msg: format!(
                    "stored as {} {:?} but the case file says {} {:?} (regenerate the inputs)",
                    d.dtype, d.shape, dtype, spec.shape
                ),
            });
        }
        out.insert(key.clone(), d.to_tensor(key)?);
    }
    Ok(out)
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// Runs one case: resolves its arguments, calls the registry, evaluates the
/// outputs and copies them to the host. A panic in the op or its kernel is
/// caught and returned as [`Error::Panic`].
pub fn run_case(
    case: &Case,
    tensors: &BTreeMap<String, Tensor>,
) -> Result<Vec<(String, HostData)>> {
    let run = || -> Result<Vec<(String, HostData)>> {
        let args = Args::new(&case.op, &case.args, &case.kwargs, tensors)?;
        let out = match &case.grad {
            None => registry::call(&case.op, args)?,
            Some(g) => registry::call_grad(&case.op, args, &g.argnums)?,
        };
        let keyed = out.keyed(&case.name);
        let refs: Vec<&Tensor> = keyed.iter().map(|(_, t)| t).collect();
        mlx_ops::eval(&refs)?;
        keyed
            .iter()
            .map(|(k, t)| Ok((k.clone(), HostData::from_tensor(t)?)))
            .collect()
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|p| Err(Error::Panic(panic_message(p))))
}

/// Runs `f` with the panic hook silenced (panics of kernels are reported as
/// case errors instead of being printed), restoring the hook afterwards.
pub fn with_quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = f();
    std::panic::set_hook(prev);
    r
}

/// Runs every case of a case file against the inputs of a safetensors file
/// (keys `<file stem>/<key>` or plain `<key>`). Unmapped ops give
/// [`Error::UnknownOp`] outcomes.
pub fn run_file(cases: &Path, inputs: &Path) -> Result<Vec<Outcome>> {
    let file = CaseFile::load(cases)?;
    let store = read_safetensors(inputs)?;
    let tensors = load_inputs(&file, &namespace(cases), &store)?;
    Ok(with_quiet_panics(|| {
        file.cases
            .iter()
            .map(|c| Outcome {
                name: c.name.clone(),
                op: c.op.clone(),
                result: run_case(c, &tensors),
            })
            .collect()
    }))
}

/// Writes every output of `outcomes` to a safetensors file.
pub fn write_outputs(path: &Path, outcomes: &[Outcome]) -> Result<()> {
    let mut all = BTreeMap::new();
    for o in outcomes {
        if let Ok(outs) = &o.result {
            for (k, d) in outs {
                all.insert(k.clone(), d.clone());
            }
        }
    }
    write_safetensors(path, &all)
}

/// The report of `outcomes`: `{"cases": {<case>: "ok" | <error message>}}`.
pub fn report(outcomes: &[Outcome]) -> Value {
    let mut cases = serde_json::Map::new();
    for o in outcomes {
        let entry = match &o.result {
            Ok(_) => json!("ok"),
            Err(e) => json!(e.to_string()),
        };
        cases.insert(o.name.clone(), entry);
    }
    json!({ "cases": cases })
}

/// Writes [`report`] to a file.
pub fn write_report(path: &Path, outcomes: &[Outcome]) -> Result<()> {
    let text = serde_json::to_string_pretty(&report(outcomes)).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })?;
    std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
}
