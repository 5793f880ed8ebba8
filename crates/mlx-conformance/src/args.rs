//! A case's arguments, resolved against its inputs, and the typed accessors
//! that the registry uses to read them MLX-style (by position or by keyword).

use crate::{Error, Result};
use mlx_ops::{Axes, Dtype, Operand, Scalar, Tensor};
use serde_json::Value;
use std::collections::BTreeMap;

/// One resolved argument.
#[derive(Clone, Debug)]
pub enum Arg {
    /// An input tensor, with its view applied.
    Tensor(Tensor),
    /// A dtype (`{"dtype": "float16"}`, or a string under the `dtype` keyword).
    Dtype(Dtype),
    /// A JSON scalar: null, bool, number or string.
    Value(Value),
    /// A list (which may hold tensors).
    List(Vec<Arg>),
}

impl Arg {
    /// Resolves a JSON argument: `{"tensor": key, "view": ...}` looks the
    /// key up in `tensors` and applies the view.
    pub fn resolve(v: &Value, tensors: &BTreeMap<String, Tensor>) -> Result<Arg> {
        match v {
            Value::Object(o) => {
                if let Some(key) = o.get("tensor") {
                    let key = key
                        .as_str()
                        .ok_or_else(|| bad_case(format!("tensor key {key} is not a string")))?;
                    let t = tensors
                        .get(key)
                        .ok_or_else(|| Error::MissingInput(key.to_string()))?
                        .clone();
                    if let Some(extra) = o.keys().find(|k| *k != "tensor" && *k != "view") {
                        return Err(bad_case(format!(
                            "unknown field `{extra}` in a tensor argument"
                        )));
                    }
                    return match o.get("view") {
                        Some(view) => Ok(Arg::Tensor(apply_views(t, view)?)),
                        None => Ok(Arg::Tensor(t)),
                    };
                }
                if let (Some(d), 1) = (o.get("dtype"), o.len()) {
                    return dtype_of(d).map(Arg::Dtype);
                }
                // a non-finite float (`{"float": "inf"}`; JSON has no
                // spelling for it) arrives as its name, for readers that
                // accept it
                if let (Some(Value::String(f)), 1) = (o.get("float"), o.len()) {
                    return Ok(Arg::Value(Value::String(f.clone())));
                }
                Err(bad_case(format!("unknown argument object {v}")))
            }
            Value::Array(a) => a
                .iter()
                .map(|x| Arg::resolve(x, tensors))
                .collect::<Result<_>>()
                .map(Arg::List),
            v => Ok(Arg::Value(v.clone())),
        }
    }

    /// True for a JSON null (Python's `None`).
    pub fn is_null(&self) -> bool {
        matches!(self, Arg::Value(Value::Null))
    }

    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Arg::Tensor(t) => format!("a {} tensor of shape {:?}", t.dtype(), t.shape()),
            Arg::Dtype(d) => format!("dtype {d}"),
            Arg::Value(v) => format!("{v}"),
            Arg::List(l) => format!("a list of {} items", l.len()),
        }
    }
}

fn bad_case(msg: String) -> Error {
    Error::BadArgument {
        op: "case".into(),
        arg: "args".into(),
        msg,
    }
}

fn dtype_of(v: &Value) -> Result<Dtype> {
    v.as_str()
        .and_then(Dtype::from_name)
        .ok_or_else(|| bad_case(format!("{v} is not an MLX dtype name")))
}

/// Applies a view (`{"transpose": axes}`, `{"slice": [[start, stop, step],
/// ...]}` with nulls for open ends, `{"broadcast_to": shape}`, or a list of
/// these in order) to a tensor.
pub fn apply_views(mut t: Tensor, view: &Value) -> Result<Tensor> {
    let views: Vec<&Value> = match view {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    for v in views {
        let o = v
            .as_object()
            .filter(|o| o.len() == 1)
            .ok_or_else(|| bad_case(format!("a view is an object with one key, got {v}")))?;
        let (kind, val) = o
            .iter()
            .next()
            .ok_or_else(|| bad_case("empty view".into()))?;
        let ints = |v: &Value| -> Result<Vec<i64>> {
            v.as_array()
                .and_then(|a| a.iter().map(Value::as_i64).collect::<Option<Vec<_>>>())
                .ok_or_else(|| bad_case(format!("{kind} view needs a list of integers, got {v}")))
        };
        t = match kind.as_str() {
            "transpose" => t.transpose(&ints(val)?)?,
            "broadcast_to" => {
                let shape: Vec<usize> = ints(val)?
                    .into_iter()
                    .map(|d| usize::try_from(d).map_err(|_| bad_case(format!("negative dim {d}"))))
                    .collect::<Result<_>>()?;
                t.broadcast_to(&shape)?
            }
            "slice" => {
                let specs = val
                    .as_array()
                    .ok_or_else(|| bad_case(format!("slice view needs a list, got {val}")))?;
                let (mut start, mut stop, mut step) = (vec![], vec![], vec![]);
                for s in specs {
                    let (a, b, c) = python_slice(s)?;
                    start.push(a);
                    stop.push(b);
                    step.push(c);
                }
                t.slice(&start, &stop, &step)?
            }
            k => return Err(bad_case(format!("unknown view `{k}`"))),
        };
    }
    Ok(t)
}

/// `[start, stop, step]` with nulls, as Python's `slice(start, stop, step)`,
/// mapped to `Tensor::slice` bounds (open ends become `i64::MIN`/`i64::MAX`).
fn python_slice(s: &Value) -> Result<(i64, i64, i64)> {
    let a = s
        .as_array()
        .filter(|a| a.len() == 3)
        .ok_or_else(|| bad_case(format!("a slice is [start, stop, step], got {s}")))?;
    let get = |v: &Value| -> Result<Option<i64>> {
        match v {
            Value::Null => Ok(None),
            v => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad_case(format!("slice bound {v} is not an integer"))),
        }
    };
    let step = get(&a[2])?.unwrap_or(1);
    let (lo, hi) = if step > 0 {
        (i64::MIN, i64::MAX)
    } else {
        (i64::MAX, i64::MIN)
    };
    Ok((get(&a[0])?.unwrap_or(lo), get(&a[1])?.unwrap_or(hi), step))
}

/// A case's arguments: positional and keyword, consumed by the accessors.
/// Each MLX parameter is read by its position and its keyword name, as
/// Python binds them; [`Args::finish`] rejects whatever was not consumed.
#[derive(Clone, Debug)]
pub struct Args {
    op: String,
    pos: Vec<Option<Arg>>,
    kw: BTreeMap<String, Arg>,
}

impl Args {
    /// Resolves a case's arguments against its inputs.
    pub fn new(
        op: &str,
        args: &[Value],
        kwargs: &BTreeMap<String, Value>,
        tensors: &BTreeMap<String, Tensor>,
    ) -> Result<Args> {
        let pos = args
            .iter()
            .map(|a| Arg::resolve(a, tensors).map(Some))
            .collect::<Result<_>>()?;
        let mut kw = BTreeMap::new();
        for (k, v) in kwargs {
            let arg = match (k.as_str(), v) {
                ("dtype", Value::String(_)) => Arg::Dtype(dtype_of(v)?),
                _ => Arg::resolve(v, tensors)?,
            };
            kw.insert(k.clone(), arg);
        }
        Ok(Args {
            op: op.to_string(),
            pos,
            kw,
        })
    }

    /// An argument error naming this op.
    pub fn error(&self, arg: &str, msg: impl Into<String>) -> Error {
        Error::BadArgument {
            op: self.op.clone(),
            arg: arg.into(),
            msg: msg.into(),
        }
    }

    /// Takes parameter `name` (position `i`); null counts as absent.
    pub fn opt(&mut self, i: usize, name: &str) -> Result<Option<Arg>> {
        Ok(self.opt_raw(i, name)?.filter(|a| !a.is_null()))
    }

    /// Takes parameter `name` (position `i`), keeping an explicit null
    /// (for parameters where `None` differs from the default).
    pub fn opt_raw(&mut self, i: usize, name: &str) -> Result<Option<Arg>> {
        let p = self.pos.get_mut(i).and_then(Option::take);
        let k = self.kw.remove(name);
        match (p, k) {
            (Some(_), Some(_)) => Err(self.error(name, "given by position and by keyword")),
            (a, b) => Ok(a.or(b)),
        }
    }

    /// Takes a required parameter.
    pub fn req(&mut self, i: usize, name: &str) -> Result<Arg> {
        self.opt(i, name)?
            .ok_or_else(|| self.error(name, "missing required argument"))
    }

    /// Positional argument `i`, which must be a tensor (a differentiated
    /// argument of a gradient case).
    pub fn positional_tensor(&self, i: usize) -> Result<Tensor> {
        match self.pos.get(i) {
            Some(Some(Arg::Tensor(t))) => Ok(t.clone()),
            Some(Some(a)) => Err(self.error(
                &format!("#{i}"),
                format!(
                    "a differentiated argument must be a tensor, got {}",
                    a.describe()
                ),
            )),
            _ => Err(self.error(&format!("#{i}"), "no such positional argument")),
        }
    }

    /// Replaces positional argument `i` by a tensor.
    pub fn set_positional(&mut self, i: usize, t: Tensor) {
        if let Some(slot) = self.pos.get_mut(i) {
            *slot = Some(Arg::Tensor(t));
        }
    }

    /// Number of positional arguments given.
    pub fn n_pos(&self) -> usize {
        self.pos.len()
    }

    /// Fails on arguments that no accessor consumed (Python's `TypeError`).
    pub fn finish(self) -> Result<()> {
        if let Some(i) = self.pos.iter().position(Option::is_some) {
            return Err(self.error(&format!("#{i}"), "unexpected positional argument"));
        }
        if let Some(k) = self.kw.keys().next() {
            return Err(self.error(k, "unexpected keyword argument"));
        }
        Ok(())
    }

    // ---- conversions

    /// A tensor; a scalar literal becomes a 0-d tensor of its default dtype
    /// (`mx.array(x)`).
    pub fn to_tensor(&self, name: &str, a: Arg) -> Result<Tensor> {
        match a {
            Arg::Tensor(t) => Ok(t),
            a => {
                let s = self.to_scalar(name, a)?;
                Ok(Tensor::scalar_as(s, s.default_dtype()))
            }
        }
    }

    /// A Python scalar (bool, int or float).
    pub fn to_scalar(&self, name: &str, a: Arg) -> Result<Scalar> {
        match &a {
            Arg::Value(Value::Bool(b)) => Ok(Scalar::Bool(*b)),
            Arg::Value(Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    Ok(Scalar::Int(i))
                } else if n.is_u64() {
                    Err(self.error(name, format!("integer {n} is out of range")))
                } else {
                    Ok(Scalar::Float(n.as_f64().unwrap_or(f64::NAN)))
                }
            }
            _ => Err(self.error(name, format!("expected a scalar, got {}", a.describe()))),
        }
    }

    /// An integer argument.
    pub fn to_int(&self, name: &str, a: &Arg) -> Result<i64> {
        match a {
            Arg::Value(Value::Number(n)) if n.is_i64() => {
                n.as_i64().ok_or_else(|| unreachable_int(name))
            }
            a => Err(self.error(name, format!("expected an integer, got {}", a.describe()))),
        }
    }

    // ---- accessors

    /// A required tensor.
    pub fn tensor(&mut self, i: usize, name: &str) -> Result<Tensor> {
        let a = self.req(i, name)?;
        self.to_tensor(name, a)
    }

    /// An optional tensor.
    pub fn tensor_opt(&mut self, i: usize, name: &str) -> Result<Option<Tensor>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(a) => self.to_tensor(name, a).map(Some),
        }
    }

    /// A tensor or a weak Python scalar.
    pub fn operand(&mut self, i: usize, name: &str) -> Result<Operand> {
        let a = self.req(i, name)?;
        self.to_operand(name, a)
    }

    /// An optional operand (`None` when absent or null).
    pub fn operand_opt(&mut self, i: usize, name: &str) -> Result<Option<Operand>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(a) => self.to_operand(name, a).map(Some),
        }
    }

    /// An operand with a default.
    pub fn operand_or(&mut self, i: usize, name: &str, default: Scalar) -> Result<Operand> {
        Ok(self
            .operand_opt(i, name)?
            .unwrap_or(Operand::Scalar(default)))
    }

    fn to_operand(&self, name: &str, a: Arg) -> Result<Operand> {
        match a {
            Arg::Tensor(t) => Ok(Operand::Tensor(t)),
            a => self.to_scalar(name, a).map(Operand::Scalar),
        }
    }

    /// A required Python scalar.
    pub fn scalar(&mut self, i: usize, name: &str) -> Result<Scalar> {
        let a = self.req(i, name)?;
        self.to_scalar(name, a)
    }

    /// An optional Python scalar.
    pub fn scalar_opt(&mut self, i: usize, name: &str) -> Result<Option<Scalar>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(a) => self.to_scalar(name, a).map(Some),
        }
    }

    /// A required integer.
    pub fn int(&mut self, i: usize, name: &str) -> Result<i64> {
        let a = self.req(i, name)?;
        self.to_int(name, &a)
    }

    /// An optional integer.
    pub fn int_opt(&mut self, i: usize, name: &str) -> Result<Option<i64>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(a) => self.to_int(name, &a).map(Some),
        }
    }

    /// An integer with a default.
    pub fn int_or(&mut self, i: usize, name: &str, default: i64) -> Result<i64> {
        Ok(self.int_opt(i, name)?.unwrap_or(default))
    }

    /// A non-negative integer (a size or count).
    pub fn size(&mut self, i: usize, name: &str) -> Result<usize> {
        let v = self.int(i, name)?;
        usize::try_from(v).map_err(|_| self.error(name, format!("{v} must be non-negative")))
    }

    /// An optional non-negative integer.
    pub fn size_opt(&mut self, i: usize, name: &str) -> Result<Option<usize>> {
        match self.int_opt(i, name)? {
            None => Ok(None),
            Some(v) => usize::try_from(v)
                .map(Some)
                .map_err(|_| self.error(name, format!("{v} must be non-negative"))),
        }
    }

    /// A float (integers convert) with a default.
    pub fn float_or(&mut self, i: usize, name: &str, default: f64) -> Result<f64> {
        match self.scalar_opt(i, name)? {
            None => Ok(default),
            Some(Scalar::Bool(_)) | Some(Scalar::Complex(_)) => {
                Err(self.error(name, "expected a real number"))
            }
            Some(s) => Ok(s.as_f64()),
        }
    }

    /// A bool with a default.
    pub fn bool_or(&mut self, i: usize, name: &str, default: bool) -> Result<bool> {
        match self.opt(i, name)? {
            None => Ok(default),
            Some(Arg::Value(Value::Bool(b))) => Ok(b),
            Some(a) => Err(self.error(name, format!("expected a bool, got {}", a.describe()))),
        }
    }

    /// An optional dtype.
    pub fn dtype_opt(&mut self, i: usize, name: &str) -> Result<Option<Dtype>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(Arg::Dtype(d)) => Ok(Some(d)),
            Some(a) => Err(self.error(name, format!("expected a dtype, got {}", a.describe()))),
        }
    }

    /// An optional string.
    pub fn str_opt(&mut self, i: usize, name: &str) -> Result<Option<String>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(Arg::Value(Value::String(s))) => Ok(Some(s)),
            Some(a) => Err(self.error(name, format!("expected a string, got {}", a.describe()))),
        }
    }

    /// A list of integers (a lone integer counts as a list of one).
    pub fn ints(&mut self, i: usize, name: &str) -> Result<Vec<i64>> {
        let a = self.req(i, name)?;
        self.to_ints(name, &a)
    }

    /// An optional list of integers.
    pub fn ints_opt(&mut self, i: usize, name: &str) -> Result<Option<Vec<i64>>> {
        match self.opt(i, name)? {
            None => Ok(None),
            Some(a) => self.to_ints(name, &a).map(Some),
        }
    }

    /// A list of integers (a lone integer counts as a list of one).
    pub fn to_ints(&self, name: &str, a: &Arg) -> Result<Vec<i64>> {
        match a {
            Arg::List(l) => l.iter().map(|x| self.to_int(name, x)).collect(),
            a => Ok(vec![self.to_int(name, a)?]),
        }
    }

    /// A shape: an integer or a list of non-negative integers.
    pub fn shape(&mut self, i: usize, name: &str) -> Result<Vec<usize>> {
        let v = self.ints(i, name)?;
        self.to_shape(name, v)
    }

    /// A shape with a default.
    pub fn shape_or(&mut self, i: usize, name: &str, default: &[usize]) -> Result<Vec<usize>> {
        match self.ints_opt(i, name)? {
            None => Ok(default.to_vec()),
            Some(v) => self.to_shape(name, v),
        }
    }

    /// An optional shape.
    pub fn shape_opt(&mut self, i: usize, name: &str) -> Result<Option<Vec<usize>>> {
        match self.ints_opt(i, name)? {
            None => Ok(None),
            Some(v) => self.to_shape(name, v).map(Some),
        }
    }

    fn to_shape(&self, name: &str, v: Vec<i64>) -> Result<Vec<usize>> {
        v.into_iter()
            .map(|d| {
                usize::try_from(d)
                    .map_err(|_| self.error(name, format!("negative dimension {d} in a shape")))
            })
            .collect()
    }

    /// Reduction axes: absent or null is every axis, an integer one axis,
    /// a list those axes (an empty list none).
    pub fn axes(&mut self, i: usize, name: &str) -> Result<Axes> {
        Ok(match self.ints_opt(i, name)? {
            None => Axes::All,
            Some(v) => Axes::List(v),
        })
    }

    /// An optional single axis.
    pub fn axis_opt(&mut self, i: usize, name: &str) -> Result<Option<i64>> {
        self.int_opt(i, name)
    }

    /// A required list of tensors.
    pub fn tensors(&mut self, i: usize, name: &str) -> Result<Vec<Tensor>> {
        match self.req(i, name)? {
            Arg::List(l) => l.into_iter().map(|a| self.to_tensor(name, a)).collect(),
            a => Err(self.error(
                name,
                format!("expected a list of arrays, got {}", a.describe()),
            )),
        }
    }

    /// Every remaining positional argument as a tensor (`*arrays`).
    pub fn rest_tensors(&mut self, from: usize, name: &str) -> Result<Vec<Tensor>> {
        let rest: Vec<Arg> = self
            .pos
            .iter_mut()
            .skip(from)
            .filter_map(Option::take)
            .collect();
        rest.into_iter().map(|a| self.to_tensor(name, a)).collect()
    }
}

fn unreachable_int(name: &str) -> Error {
    Error::BadArgument {
        op: "case".into(),
        arg: name.into(),
        msg: "integer out of range".into(),
    }
}
