//! The interactive menu a bare `bedrock-binder` starts on a terminal: TPipe's seven options,
//! except that end of input ends it cleanly instead of looping forever.

use std::io::{BufRead, Write};

use super::{CliError, Session};

const MENU: &str = "\
1. List models
2. Search models
3. Models by provider
4. Models by region
5. Bind a model
6. Show bindings
7. Exit";

/// Prints `prompt` and reads one trimmed line; `None` at end of input.
fn ask(prompt: &str, stdin: &mut dyn BufRead, out: &mut dyn Write) -> Result<Option<String>, CliError> {
    write!(out, "{prompt}")?;
    out.flush()?;
    let mut line = String::new();
    if stdin.read_line(&mut line)? == 0 {
        writeln!(out)?;
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

impl Session {
    pub(super) fn menu(
        &self,
        stdin: &mut dyn BufRead,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        writeln!(out, "Bedrock inference bindings: {}", self.label())?;
        loop {
            writeln!(out, "\n{MENU}")?;
            let Some(choice) = ask("Choose 1-7: ", stdin, out)? else { return Ok(0) };
            let result = match choice.as_str() {
                "1" => self.list(None, out, err),
                "2" => match ask("Search for: ", stdin, out)? {
                    Some(term) => self.search(&term, out, err),
                    None => return Ok(0),
                },
                "3" => match ask("Provider: ", stdin, out)? {
                    Some(name) => self.provider(&name, out, err),
                    None => return Ok(0),
                },
                "4" => match ask("Region: ", stdin, out)? {
                    Some(name) => self.region(&name, out, err),
                    None => return Ok(0),
                },
                "5" => {
                    let Some(model) = ask("Model id: ", stdin, out)? else { return Ok(0) };
                    let Some(profile) = ask("Profile id or ARN (empty = direct): ", stdin, out)? else {
                        return Ok(0);
                    };
                    self.bind(&model, Some(&profile), false, out, err)
                }
                "6" => self.show(out, err),
                "7" | "q" | "quit" | "exit" => return Ok(0),
                other => {
                    writeln!(out, "`{other}` is not an option; choose a number from 1 to 7")?;
                    Ok(0)
                }
            };
            // A failed command is reported and the menu goes on, as TPipe's does.
            if let Err(error) = result {
                writeln!(err, "error: {error}")?;
                if let Some(snippet) = error.snippet() {
                    write!(err, "{snippet}")?;
                }
            }
        }
    }
}
