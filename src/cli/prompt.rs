//! Questions to the person at the terminal: asked on stderr, answered on stdin, only when both
//! are terminals. One answer grammar for every command: `y`/`yes`, `n`/`no` (any case), empty
//! for the default; anything else is asked again; at the end of input the default is taken,
//! and said.

use std::io::{BufRead, IsTerminal, Write};

/// Why questions cannot be asked here, or `None` when they can (stdin and stderr are both
/// terminals).
pub fn prompts_off() -> Option<&'static str> {
    off_reason(
        std::io::stdin().is_terminal(),
        std::io::stderr().is_terminal(),
    )
}

fn off_reason(stdin: bool, stderr: bool) -> Option<&'static str> {
    match (stdin, stderr) {
        (true, true) => None,
        (false, true) => Some("standard input is not a terminal"),
        (true, false) => Some("standard error is not a terminal"),
        (false, false) => Some("standard input and standard error are not terminals"),
    }
}

/// For a refusal that suggests a flag: why nobody was asked instead (empty at a terminal).
pub fn not_asked() -> String {
    match prompts_off() {
        Some(why) => format!(" (no question was asked: {why})"),
        None => String::new(),
    }
}

/// An answer, and whether a person gave it (`false`: the input ended, the default was taken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub yes: bool,
    pub typed: bool,
}

/// Asks at the terminal (stderr, stdin).
pub fn ask(question: &str, default: bool) -> Answer {
    ask_on(
        question,
        default,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
}

/// Asks `question` on `err`, reading answers from `input` until one is yes or no.
pub fn ask_on(
    question: &str,
    default: bool,
    input: &mut dyn BufRead,
    err: &mut dyn Write,
) -> Answer {
    let hint = if default { "[Y/n]" } else { "[y/N]" };
    let default_word = if default { "yes" } else { "no" };
    loop {
        let _ = write!(err, "{question} {hint} ");
        let _ = err.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let _ = writeln!(err, "\n(end of input: taking the default, {default_word})");
                return Answer {
                    yes: default,
                    typed: false,
                };
            }
            Ok(_) => {}
        }
        let yes = match line.trim().to_ascii_lowercase().as_str() {
            "" => default,
            "y" | "yes" => true,
            "n" | "no" => false,
            other => {
                let _ = writeln!(
                    err,
                    "`{other}` is not an answer: type y or n (or Enter for {default_word})"
                );
                continue;
            }
        };
        return Answer { yes, typed: true };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(input: &str, default: bool) -> (Answer, String) {
        let mut err = Vec::new();
        let a = ask_on("Go?", default, &mut input.as_bytes(), &mut err);
        (a, String::from_utf8(err).unwrap())
    }

    #[test]
    fn yes_no_and_the_default() {
        for (input, default, yes) in [
            ("y\n", false, true),
            ("YES\n", false, true),
            ("n\n", true, false),
            ("No\n", true, false),
            ("\n", true, true),
            ("  \n", false, false),
        ] {
            let (a, _) = answers(input, default);
            assert_eq!(a, Answer { yes, typed: true }, "{input:?}");
        }
    }

    #[test]
    fn anything_else_is_asked_again() {
        let (a, err) = answers("maybe\nyess\nn\n", true);
        assert_eq!(
            a,
            Answer {
                yes: false,
                typed: true
            }
        );
        assert_eq!(err.matches("Go? [Y/n]").count(), 3, "{err}");
        assert!(err.contains("`maybe` is not an answer"), "{err}");
    }

    #[test]
    fn end_of_input_takes_the_default_and_says_so() {
        let (a, err) = answers("maybe\n", false);
        assert_eq!(
            a,
            Answer {
                yes: false,
                typed: false
            }
        );
        assert!(
            err.contains("end of input: taking the default, no"),
            "{err}"
        );
    }

    #[test]
    fn the_reason_names_the_stream() {
        assert_eq!(off_reason(true, true), None);
        assert_eq!(
            off_reason(false, true),
            Some("standard input is not a terminal")
        );
        assert_eq!(
            off_reason(true, false),
            Some("standard error is not a terminal")
        );
    }
}
