//! The document profiles (`chat`, seed 004): generate and query documents with MongoDB's
//! semantics (`roster_schema::document`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path as FsPath;

use roster_schema::document::encode_doc;
use roster_schema::profiles::chat;

use crate::args::Format;
use crate::error::CliError;

/// Whether `name` is a document profile.
pub(crate) fn is_document_profile(name: &str) -> bool {
    roster_schema::profiles::DOCUMENT_NAMES.contains(&name)
}

/// `roster generate --profile chat`: JSON Lines, one document per line.
pub(crate) fn generate(users: u64, seed: u64, format: Format, output: Option<&FsPath>) -> Result<(), CliError> {
    if format != Format::Jsonl {
        return Err(CliError::Usage("the chat profile's users are documents: use --format jsonl".into()));
    }
    let schema = chat::schema();
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    for doc in chat::generate(users, seed) {
        let line =
            serde_json::to_string(&encode_doc(&schema, &doc, None)).map_err(|e| CliError::Runtime(e.to_string()))?;
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}
