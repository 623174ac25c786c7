//! How Chinese text becomes searchable words. Chinese has no spaces, so each
//! run of Chinese characters is cut into overlapping pairs (养老服务 →
//! 养老 老服 服务), the way CJK search engines do it; a query is cut the same
//! way and matched as a phrase, which finds exactly the texts that contain it.
//! Latin letters and digits form words, lowercased. Both databases index the
//! result as plain space-separated words (SQLite FTS5, PostgreSQL tsvector).

/// Whether `c` is written without spaces between words (CJK ideographs, kana, hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B..
}

/// The words of `text`, in order: CJK pairs, Latin words.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_run(&mut run, &mut out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_run(&mut run, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The indexed form of `text`: its words, separated by spaces.
pub fn indexed(text: &str) -> String {
    words(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_overlapping_pairs() {
        assert_eq!(words("养老服务"), ["养老", "老服", "服务"]);
        assert_eq!(words("加强社区、养老"), ["加强", "强社", "社区", "养老"]);
    }

    #[test]
    fn a_lone_character_stays_a_word_and_latin_words_are_lowercased() {
        assert_eq!(words("《水》"), ["水"]);
        assert_eq!(words("推广5G基站WiFi覆盖"), ["推广", "5g", "基站", "wifi", "覆盖"]);
    }

    #[test]
    fn punctuation_and_quotes_never_reach_the_index() {
        assert_eq!(indexed("\"养老\" OR 服务*"), "养老 or 服务");
        assert!(words("“”，。！？ \t\n").is_empty());
    }

    #[test]
    fn a_query_is_a_phrase_of_the_texts_words_exactly_when_the_text_contains_it() {
        let text = words("关于加强社区居家养老服务的建议");
        let contains = |q: &str| {
            let q = words(q);
            text.windows(q.len()).any(|w| w == q.as_slice())
        };
        assert!(contains("居家养老"));
        assert!(contains("养老服务"));
        assert!(!contains("养老社区"));
    }
}
