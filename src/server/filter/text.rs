//! Full-text matching through a text index, as Qdrant does it: the index
//! splits strings into tokens (words, whitespace-separated runs or
//! prefixes), lowercases them by default, drops tokens outside the length
//! bounds and custom stop words; `text` needs every query token in the
//! point, `text_any` one of them, and `phrase` the tokens in a row, which
//! the index only remembers when created with `phrase_matching`.
//!
//! Not done: language stop word lists, stemming and ASCII folding (the
//! tokens are kept as they are), and the multilingual tokenizer splits
//! like the word tokenizer.

use crate::proto;
use proto::r#match::MatchValue as M;
use proto::value::Kind;

/// The parameters of a text index that shape its tokens.
struct Tokenizer {
    kind: proto::TokenizerType,
    lowercase: bool,
    min_len: Option<usize>,
    max_len: Option<usize>,
    stopwords: Vec<String>,
    phrase_matching: bool,
}

/// Which side of a match a text is on: prefix indexes index every prefix
/// of a document's words, and look a query's words up whole.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Document,
    Query,
}

impl Tokenizer {
    fn of(schema: &proto::PayloadSchemaInfo) -> Tokenizer {
        use proto::payload_index_params::IndexParams as P;
        let params = match schema.params.as_ref().and_then(|p| p.index_params.as_ref()) {
            Some(P::TextIndexParams(t)) => t.clone(),
            _ => proto::TextIndexParams {
                tokenizer: proto::TokenizerType::Word as i32,
                ..Default::default()
            },
        };
        let lowercase = params.lowercase.unwrap_or(true);
        let stopwords = params
            .stopwords
            .map(|s| s.custom)
            .unwrap_or_default()
            .into_iter()
            .map(|w| if lowercase { w.to_lowercase() } else { w })
            .collect();
        Tokenizer {
            kind: proto::TokenizerType::try_from(params.tokenizer).unwrap_or(proto::TokenizerType::Word),
            lowercase,
            min_len: params.min_token_len.map(|n| n as usize),
            max_len: params.max_token_len.map(|n| n as usize),
            stopwords,
            phrase_matching: params.phrase_matching.unwrap_or(false),
        }
    }

    /// A token as the index keeps it, if it keeps it.
    fn process(&self, token: &str, check_max: bool) -> Option<String> {
        if token.is_empty() {
            return None;
        }
        let token = if self.lowercase {
            token.to_lowercase()
        } else {
            token.to_owned()
        };
        if self.stopwords.contains(&token) {
            return None;
        }
        let len = token.chars().count();
        if self.min_len.is_some_and(|m| len < m) || (check_max && self.max_len.is_some_and(|m| len > m)) {
            return None;
        }
        Some(token)
    }

    fn tokens(&self, text: &str, side: Side) -> Vec<String> {
        let words = || text.split(|c: char| !c.is_alphanumeric());
        match self.kind {
            proto::TokenizerType::Whitespace => text
                .split_whitespace()
                .filter_map(|w| self.process(w, true))
                .collect(),
            proto::TokenizerType::Prefix if side == Side::Document => {
                let mut out = Vec::new();
                for word in words() {
                    let Some(word) = self.process(word, false) else {
                        continue;
                    };
                    let min = self.min_len.unwrap_or(1);
                    let max = self.max_len.unwrap_or(usize::MAX);
                    for n in min..=max {
                        match word.char_indices().nth(n) {
                            Some((end, _)) => out.push(word[..end].to_owned()),
                            None => {
                                out.push(word);
                                break;
                            }
                        }
                    }
                }
                out
            }
            proto::TokenizerType::Prefix => words()
                .filter(|w| !w.is_empty())
                .filter_map(|w| {
                    let w = if self.lowercase {
                        w.to_lowercase()
                    } else {
                        w.to_owned()
                    };
                    if self.min_len.is_some_and(|m| w.chars().count() < m) {
                        return None;
                    }
                    let max = self.max_len.unwrap_or(usize::MAX);
                    Some(match w.char_indices().nth(max) {
                        Some((end, _)) => w[..end].to_owned(),
                        None => w,
                    })
                })
                .collect(),
            _ => words().filter_map(|w| self.process(w, true)).collect(),
        }
    }
}

/// Whether `tokens` holds `phrase` as a run; an empty phrase is nowhere.
fn has_phrase(tokens: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && tokens.windows(phrase.len()).any(|w| w == phrase)
}

/// A text condition against a point's strings under its text index.
pub(super) fn check_point(schema: &proto::PayloadSchemaInfo, m: &proto::Match, texts: &[&str]) -> bool {
    if texts.is_empty() {
        return false;
    }
    let t = Tokenizer::of(schema);
    let doc: Vec<String> = texts.iter().flat_map(|s| t.tokens(s, Side::Document)).collect();
    match &m.match_value {
        // A query with no token (empty, or stop words only) matches nothing.
        Some(M::Text(q)) => {
            let want = t.tokens(q, Side::Query);
            !want.is_empty() && want.iter().all(|w| doc.contains(w))
        }
        Some(M::TextAny(q)) => t.tokens(q, Side::Query).iter().any(|w| doc.contains(w)),
        Some(M::Phrase(q)) => {
            // Without phrase matching the index keeps no word order, and
            // no phrase is found. With it, a phrase does not run from one
            // string of an array into the next.
            t.phrase_matching
                && texts
                    .iter()
                    .any(|s| has_phrase(&t.tokens(s, Side::Document), &t.tokens(q, Side::Document)))
        }
        _ => false,
    }
}

/// A text condition against one payload value, tokenized by the text index
/// on its key (how Qdrant checks text inside `nested`); `None` for other
/// conditions.
pub(super) fn check_value(
    schema: &proto::PayloadSchemaInfo,
    m: &proto::Match,
    v: &proto::Value,
) -> Option<bool> {
    let strings: Vec<&str> = match &v.kind {
        Some(Kind::StringValue(s)) => vec![s.as_str()],
        Some(Kind::ListValue(l)) => l
            .values
            .iter()
            .filter_map(|x| match &x.kind {
                Some(Kind::StringValue(s)) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let t = Tokenizer::of(schema);
    let doc = |s: &str| t.tokens(s, Side::Document);
    Some(match &m.match_value {
        Some(M::Text(q)) => {
            let want = t.tokens(q, Side::Query);
            !want.is_empty()
                && strings.iter().any(|s| {
                    let d = doc(s);
                    want.iter().all(|w| d.contains(w))
                })
        }
        Some(M::TextAny(q)) => {
            let want = t.tokens(q, Side::Query);
            strings.iter().any(|s| {
                let d = doc(s);
                want.iter().any(|w| d.contains(w))
            })
        }
        Some(M::Phrase(q)) => {
            let want = doc(q);
            strings.iter().any(|s| has_phrase(&doc(s), &want))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(params: proto::TextIndexParams) -> proto::PayloadSchemaInfo {
        proto::PayloadSchemaInfo {
            data_type: proto::PayloadSchemaType::Text as i32,
            params: Some(proto::PayloadIndexParams {
                index_params: Some(proto::payload_index_params::IndexParams::TextIndexParams(params)),
            }),
            points: None,
        }
    }

    fn text(q: &str) -> proto::Match {
        proto::Match {
            match_value: Some(M::Text(q.into())),
        }
    }

    #[test]
    fn word_tokens_lowercased() {
        let s = schema(proto::TextIndexParams {
            tokenizer: proto::TokenizerType::Word as i32,
            ..Default::default()
        });
        assert!(check_point(
            &s,
            &text("QUICK brown-fox"),
            &["The quick brown fox"]
        ));
        assert!(!check_point(&s, &text("qui"), &["The quick brown fox"]));
        assert!(check_point(&s, &text("brown fox"), &["brown bear", "red fox"]));
        let phrase = proto::Match {
            match_value: Some(M::Phrase("quick brown".into())),
        };
        assert!(!check_point(&s, &phrase, &["The quick brown fox"]));
    }

    #[test]
    fn prefix_tokens() {
        let s = schema(proto::TextIndexParams {
            tokenizer: proto::TokenizerType::Prefix as i32,
            ..Default::default()
        });
        assert!(check_point(&s, &text("qui"), &["The quick brown fox"]));
        assert!(!check_point(&s, &text("quiet"), &["The quick brown fox"]));
    }
}
