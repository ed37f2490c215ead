//! The tokenizer: jieba in search mode over jieba's dictionary plus the words of the trade
//! ([`DOMAIN_WORDS`]), so 稳定化后飞灰 is cut 稳定化|后|飞灰, not 稳定化|后飞|灰.
//!
//! tantivy-jieba's own `JiebaTokenizer` either uses its global default dictionary or owns a
//! copy of a custom one, cloned with every analyzer (12 ms in a debug build, per search). This
//! one reads one shared dictionary; it is tantivy-jieba's token stream otherwise (same mode,
//! offsets and positions), over the `jieba_rs` it re-exports, so the versions cannot drift.

use std::sync::LazyLock;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy_jieba::jieba_rs::{Jieba, TokenizeMode};

/// Words of waste-to-energy, water, solar and wind plants that jieba's dictionary lacks or cuts
/// badly. One a line; added with jieba's suggested frequency (just enough to be kept whole).
pub const DOMAIN_WORDS: &str = "\
飞灰\n螯合剂\n螯合\n渗滤液\n浓缩液\n凝汽器\n真空度\n端差\n胶球\n汽耗率\n厂用电率\n厂用电\n\
炉排\n焚烧炉\n余热锅炉\n过热器\n吹灰\n结焦\n热灼减率\n一次风\n二次风\n垃圾池\n入炉垃圾\n吨垃圾\n\
脱硝\n氨逃逸\n氨水\n尿素\n活性炭\n石灰浆\n消石灰\n半干法\n布袋除尘器\n二噁英\n烟气\n\
引风机\n变频\n曝气\n鼓风机\n溶解氧\n污泥\n脱水\n絮凝剂\n混凝剂\n反渗透\n超滤\n纳滤\n膜污染\n\
跨膜压差\n产销差\n漏损\n管网\n水泵\n光伏组件\n组件\n组串\n逆变器\n跟踪支架\n积灰\n清洗机器人\n\
风机\n偏航\n对风\n变桨\n齿轮箱\n叶片\n尾流\n激光测风雷达\n弃风\n弃光\n限电\n上网电量\n发电量\n";

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in DOMAIN_WORDS
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        jieba.add_word(word, None, None);
    }
    jieba
});

/// jieba in search mode with HMM (new words), over the shared dictionary.
#[derive(Clone, Copy, Default)]
pub(crate) struct DomainJieba;

pub(crate) struct Words {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for DomainJieba {
    type TokenStream<'a> = Words;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Words {
        let tokens = JIEBA
            .tokenize(text, TokenizeMode::Search, true)
            .into_iter()
            .map(|t| {
                // A word is a slice of `text`: its byte offset is where the slice starts.
                let from = t.word.as_ptr() as usize - text.as_ptr() as usize;
                Token {
                    offset_from: from,
                    offset_to: from + t.word.len(),
                    position: t.start,
                    text: t.word.to_owned(),
                    position_length: t.end - t.start,
                }
            })
            .collect();
        Words { tokens, next: 0 }
    }
}

impl TokenStream for Words {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
