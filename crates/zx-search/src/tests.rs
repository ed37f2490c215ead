use super::*;

#[test]
fn marked_text_is_escaped_around_and_inside_the_marks() {
    let text = "<b>飞灰</b> & 螯合剂";
    // "<b>" is 3 bytes, 飞灰 6: the mark covers bytes 3..9; 螯合剂 starts at 3+6+4+3 = 16.
    let marked = Marked {
        text: text.to_owned(),
        marks: vec![3..9, 16..25],
    };
    assert_eq!(
        marked.to_html(),
        "&lt;b&gt;<mark>飞灰</mark>&lt;/b&gt; &amp; <mark>螯合剂</mark>"
    );
    assert_eq!(marked.marked_words(), vec!["飞灰", "螯合剂"]);
}

#[test]
fn a_mark_outside_the_text_is_skipped_not_a_panic() {
    let marked = Marked {
        text: "飞灰".to_owned(),
        marks: vec![1..2, 3..40],
    };
    assert_eq!(marked.to_html(), "飞灰");
}

#[test]
fn query_words_are_jieba_words_without_punctuation() {
    // Search mode gives the long word and its dictionary parts; "，" and spaces are no words.
    assert_eq!(
        query_words("飞灰螯合剂， SNCR"),
        vec!["sncr", "合剂", "螯合", "螯合剂", "飞灰"]
    );
    assert!(query_words(" ，。！").is_empty());
}
#[test]
fn domain_words_are_cut_whole() {
    // jieba's own dictionary cuts 稳定化后飞灰 as 稳定化|后飞|灰 and 渗滤液 as 渗|滤液.
    let words = |text: &str| {
        let mut analyzer = crate::build::analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    };
    assert!(words("稳定化后飞灰浸出").contains(&"飞灰".to_owned()));
    assert!(words("渗滤液处理").contains(&"渗滤液".to_owned()));
    let tokens = words("凝汽器");
    assert_eq!(tokens, ["凝汽器"]);
}
