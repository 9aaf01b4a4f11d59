//! Runs every target's body over its corpus on stable Rust, without libFuzzer: the seeds the
//! seed script would write (from the workspace's test data) plus whatever `corpus/<target>/`
//! and `regressions/` hold. A fallback and a regression test; the fuzzer itself is
//! `cargo +nightly fuzz run <target>` (see README.md).
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The seeds of `seed.sh`, read from the same sources.
fn seeds() -> Vec<Vec<u8>> {
    let ws = root().join("..");
    let mut out = Vec::new();
    let read = |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let profiles = std::fs::read_dir(ws.join("tests/cases")).into_iter().flatten().flatten();
    let case_files = profiles.flat_map(|p| std::fs::read_dir(p.path()).into_iter().flatten().flatten());
    for f in case_files.map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")) {
        for line in read(f).lines().filter(|l| !l.starts_with('#')) {
            if let Some((_, text)) = line.split_once(" | ") {
                out.push(text.as_bytes().to_vec());
            }
        }
    }
    for line in read(ws.join("crates/roster-odata/tests/corpus/valid.txt")).lines() {
        if !line.starts_with('#') && !line.trim().is_empty() {
            out.push(line.as_bytes().to_vec());
        }
    }
    for line in read(ws.join("crates/roster-odata/tests/corpus/errors.txt")).lines() {
        if let Some(text) = line.strip_prefix("> ") {
            out.push(text.as_bytes().to_vec());
        }
    }
    // The REST parameter cases, `name | query string | body`, as `query string\nbody`.
    let case_files = std::fs::read_dir(ws.join("tests/cases")).into_iter().flatten().flatten();
    let case_files = case_files.flat_map(|p| std::fs::read_dir(p.path()).into_iter().flatten().flatten());
    for f in case_files.map(|e| e.path()).filter(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("params") && n.ends_with(".txt"))
    }) {
        for line in read(f).lines().filter(|l| !l.starts_with('#')) {
            let mut parts = line.splitn(3, '|').skip(1).map(str::trim);
            let Some(query) = parts.next() else { continue };
            match parts.next().filter(|b| !b.is_empty()) {
                Some(body) => out.push(format!("{query}\n{body}").into_bytes()),
                None => out.push(query.as_bytes().to_vec()),
            }
        }
    }
    for entry in std::fs::read_dir(root().join("seeds")).into_iter().flatten().flatten() {
        for line in read(entry.path()).lines().filter(|l| !l.starts_with('#')) {
            // `\n` in a seeds file separates the filter, $orderby and page lines.
            out.push(line.replace("\\n", "\n").into_bytes());
        }
    }
    out
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(|e| std::fs::read(e.path()).ok()).collect()
}

#[test]
fn every_target_passes_its_corpus() {
    let seeds = seeds();
    assert!(seeds.len() > 100, "only {} seeds", seeds.len());
    let regressions = files(&root().join("regressions"));
    for (name, body) in roster_fuzz::TARGETS {
        let corpus = files(&root().join("corpus").join(name));
        for input in seeds.iter().chain(&regressions).chain(&corpus) {
            body(input);
        }
        eprintln!("{name}: {} seeds, {} regressions, {} corpus files", seeds.len(), regressions.len(), corpus.len());
    }
}
