//! `mlx-conformance`: runs conformance cases through oxidized MLX.
//!
//! ```text
//! mlx-conformance run --cases FILE.json --inputs IN.safetensors --out OUT.safetensors --report REPORT.json
//! mlx-conformance check [--cases DIR] [--golden DIR] [--ops OPS.txt] [--known FILE] [--quiet]
//! mlx-conformance ops
//! ```
#![forbid(unsafe_code)]

use mlx_conformance::verify::{check_all, read_ops_list, KnownDifferences, Summary, Verdict};
use mlx_conformance::{registry, runner, Error, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  mlx-conformance run --cases FILE.json --inputs IN.safetensors --out OUT.safetensors --report REPORT.json
      runs every case of FILE.json on the inputs (keys `<file stem>/<key>` or `<key>`),
      writes the outputs (keys `<case>` or `<case>.<i>`) and a report (ok or the error per case)
  mlx-conformance check [--cases DIR] [--golden DIR] [--ops OPS.txt] [--known FILE] [--quiet]
      judges every case of DIR/*.json against golden data (defaults: this crate's
      cases/, golden/, ops.txt and known_differences.txt), prints failures and
      the coverage line
  mlx-conformance ops
      lists the ops the registry maps";

/// Parsed `--flag value` pairs.
struct Flags(Vec<(String, String)>, Vec<String>);

impl Flags {
    fn parse(args: &[String]) -> Result<Flags> {
        let (mut kv, mut switches) = (vec![], vec![]);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--quiet" => switches.push(a.clone()),
                f if f.starts_with("--") => {
                    let v = it
                        .next()
                        .ok_or_else(|| Error::Usage(format!("{f} needs a value\n{USAGE}")))?;
                    kv.push((f.trim_start_matches("--").to_string(), v.clone()));
                }
                other => return Err(Error::Usage(format!("unexpected `{other}`\n{USAGE}"))),
            }
        }
        Ok(Flags(kv, switches))
    }
    fn get(&self, name: &str) -> Option<PathBuf> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| PathBuf::from(v))
    }
    fn req(&self, name: &str) -> Result<PathBuf> {
        self.get(name)
            .ok_or_else(|| Error::Usage(format!("--{name} is required\n{USAGE}")))
    }
    fn has(&self, name: &str) -> bool {
        self.1.iter().any(|s| s == name)
    }
}

fn run(flags: &Flags) -> Result<ExitCode> {
    let outcomes = runner::run_file(&flags.req("cases")?, &flags.req("inputs")?)?;
    runner::write_outputs(&flags.req("out")?, &outcomes)?;
    runner::write_report(&flags.req("report")?, &outcomes)?;
    let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
    eprintln!(
        "mlx-conformance: {} cases, {ok} ok, {} raised",
        outcomes.len(),
        outcomes.len() - ok
    );
    Ok(ExitCode::SUCCESS)
}

fn check(flags: &Flags) -> Result<ExitCode> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = flags
        .get("cases")
        .unwrap_or_else(|| crate_dir.join("cases"));
    let golden = flags
        .get("golden")
        .unwrap_or_else(|| crate_dir.join("golden"));
    let ops = flags
        .get("ops")
        .unwrap_or_else(|| crate_dir.join("ops.txt"));
    let known = flags
        .get("known")
        .unwrap_or_else(|| crate_dir.join("known_differences.txt"));
    let known = KnownDifferences::load(&known)?;
    let (results, version) = check_all(&cases, &golden, &known)?;
    let mut failed = 0;
    for r in &results {
        if let Verdict::Fail(repro) = &r.verdict {
            failed += 1;
            if !flags.has("--quiet") {
                println!("FAIL {repro}\n");
            }
        }
    }
    let summary = Summary::new(&results, &read_ops_list(&ops)?);
    println!("{}", summary.line());
    println!(
        "{failed} failed, {} skipped (op not mapped), MLX {}",
        summary.unmapped, version
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => Flags::parse(&args[1..]).and_then(|f| run(&f)),
        Some("check") => Flags::parse(&args[1..]).and_then(|f| check(&f)),
        Some("ops") => {
            for op in registry::mapped_ops() {
                println!("{op}");
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Error::Usage(USAGE.into())),
    };
    result.unwrap_or_else(|e| {
        eprintln!("mlx-conformance: {e}");
        ExitCode::from(2)
    })
}
