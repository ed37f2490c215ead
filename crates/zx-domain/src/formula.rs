//! The formula language of the catalogue.
//!
//! Indicators are written over items with an aggregation that says how the period is read:
//! `flow(x)` sums a flow item over the period's months, `end(x)` and `opening(x)` read a stock item's
//! balance at the period end and before its start, `average(x)` averages an average item over the
//! months. Derived items (`net_assets = total_assets - total_liabilities`) name items bare: they are
//! evaluated month by month. `positive(e)` makes the result unavailable unless `e > 0` (ROE on
//! negative equity means nothing). `days` is the number of calendar days the period covers (only in
//! indicator formulas: a load rate is output / (capacity × days)). Operators: `+ - * /`,
//! parentheses, decimal numbers.

use std::fmt;

use rust_decimal::Decimal;
use thiserror::Error;

/// How an item is read over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    /// Sum of the monthly amounts over the period.
    Flow,
    /// Balance at the period's last month.
    End,
    /// Balance at the month before the period starts.
    Opening,
    /// Mean of the monthly values over the period.
    Average,
    /// The item at one month, only in derived-item formulas.
    AtMonth,
}

impl Aggregation {
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Flow => "flow",
            Aggregation::End => "end",
            Aggregation::Opening => "opening",
            Aggregation::Average => "average",
            Aggregation::AtMonth => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
    fn precedence(self) -> u8 {
        match self {
            BinaryOp::Add | BinaryOp::Sub => 1,
            BinaryOp::Mul | BinaryOp::Div => 2,
        }
    }
}

/// A parsed formula. Items are referred to by their index in the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(Decimal),
    Item {
        aggregation: Aggregation,
        item: usize,
    },
    Negate(Box<Expr>),
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Unavailable unless the inner value is strictly positive.
    Positive(Box<Expr>),
    /// The calendar days of the period the indicator is read over.
    Days,
}

impl Expr {
    /// Every (aggregation, item) the formula reads, in order of appearance, without repeats.
    pub fn inputs(&self) -> Vec<(Aggregation, usize)> {
        let mut out = Vec::new();
        self.collect_inputs(&mut out);
        out
    }

    fn collect_inputs(&self, out: &mut Vec<(Aggregation, usize)>) {
        match self {
            Expr::Number(_) | Expr::Days => {}
            Expr::Item { aggregation, item } => {
                if !out.contains(&(*aggregation, *item)) {
                    out.push((*aggregation, *item));
                }
            }
            Expr::Negate(inner) | Expr::Positive(inner) => inner.collect_inputs(out),
            Expr::Binary { left, right, .. } => {
                left.collect_inputs(out);
                right.collect_inputs(out);
            }
        }
    }

    /// Whether the formula adds up over entities: f(a + b) = f(a) + f(b). Sums, differences and
    /// multiples of items do; a product or a quotient of items, a constant term or a
    /// `positive(…)` guard do not.
    pub fn is_additive(&self) -> bool {
        match self {
            Expr::Number(_) | Expr::Positive(_) | Expr::Days => false,
            Expr::Item { .. } => true,
            Expr::Negate(inner) => inner.is_additive(),
            Expr::Binary { op, left, right } => match op {
                BinaryOp::Add | BinaryOp::Sub => left.is_additive() && right.is_additive(),
                BinaryOp::Mul => match (left.as_ref(), right.as_ref()) {
                    (Expr::Number(_), other) | (other, Expr::Number(_)) => other.is_additive(),
                    _ => false,
                },
                BinaryOp::Div => matches!(right.as_ref(), Expr::Number(_)) && left.is_additive(),
            },
        }
    }

    /// Renders the formula back to text, naming items through `name`.
    pub fn render(&self, name: &dyn Fn(usize) -> String) -> String {
        let mut out = String::new();
        self.render_into(&mut out, name, 0);
        out
    }

    /// Renders the formula for people: each read of an item through `term` (its name and
    /// what is read of it), `÷ × + −` for the operators, `positive(…)` as its inner value.
    pub fn render_for_people(&self, term: &dyn Fn(Aggregation, usize) -> String) -> String {
        let mut out = String::new();
        self.people_into(&mut out, term, 0);
        out
    }

    fn people_into(
        &self,
        out: &mut String,
        term: &dyn Fn(Aggregation, usize) -> String,
        parent_prec: u8,
    ) {
        match self {
            Expr::Number(n) => out.push_str(&n.to_string()),
            Expr::Days => out.push_str("days"),
            Expr::Item { aggregation, item } => out.push_str(&term(*aggregation, *item)),
            Expr::Negate(inner) => {
                out.push('−');
                inner.people_into(out, term, 3);
            }
            Expr::Positive(inner) => inner.people_into(out, term, parent_prec),
            Expr::Binary { op, left, right } => {
                let prec = op.precedence();
                let paren = prec < parent_prec;
                if paren {
                    out.push('(');
                }
                left.people_into(out, term, prec);
                out.push_str(match op {
                    BinaryOp::Add => " + ",
                    BinaryOp::Sub => " − ",
                    BinaryOp::Mul => " × ",
                    BinaryOp::Div => " ÷ ",
                });
                right.people_into(out, term, prec + 1);
                if paren {
                    out.push(')');
                }
            }
        }
    }

    fn render_into(&self, out: &mut String, name: &dyn Fn(usize) -> String, parent_prec: u8) {
        match self {
            Expr::Number(n) => out.push_str(&n.to_string()),
            Expr::Days => out.push_str("days"),
            Expr::Item { aggregation, item } => match aggregation {
                Aggregation::AtMonth => out.push_str(&name(*item)),
                other => {
                    out.push_str(other.name());
                    out.push('(');
                    out.push_str(&name(*item));
                    out.push(')');
                }
            },
            Expr::Negate(inner) => {
                out.push('-');
                inner.render_into(out, name, 3);
            }
            Expr::Positive(inner) => {
                out.push_str("positive(");
                inner.render_into(out, name, 0);
                out.push(')');
            }
            Expr::Binary { op, left, right } => {
                let prec = op.precedence();
                let paren = prec < parent_prec;
                if paren {
                    out.push('(');
                }
                left.render_into(out, name, prec);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                // Right operand of - and / binds tighter to keep a - (b - c) intact.
                right.render_into(out, name, prec + 1);
                if paren {
                    out.push(')');
                }
            }
        }
    }
}

/// A formula that does not parse or does not check, with the 1-based column it was found at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("column {column}: {message}")]
pub struct FormulaError {
    pub column: usize,
    pub message: String,
}

/// What a formula may refer to: item codes and their kinds.
pub trait ItemResolver {
    /// Index and kind of the item with this code, if any.
    fn resolve(&self, code: &str) -> Option<(usize, crate::catalogue::ItemKind)>;
}

/// Where a formula is used, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormulaContext {
    /// An indicator over a period: items need an aggregation.
    Indicator,
    /// A derived item at one month: items are bare.
    DerivedItem,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(Decimal),
    Ident(String),
    Op(char),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, FormulaError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (byte, c) = chars[i];
        let column = text[..byte].chars().count() + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.') {
                i += 1;
            }
            let end = chars.get(i).map_or(text.len(), |(b, _)| *b);
            let literal = &text[byte..end];
            let value = literal.parse::<Decimal>().map_err(|_| FormulaError {
                column,
                message: format!("\"{literal}\" is not a number"),
            })?;
            let _ = start;
            tokens.push((column, Token::Number(value)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            let end = chars.get(i).map_or(text.len(), |(b, _)| *b);
            tokens.push((column, Token::Ident(text[byte..end].to_owned())));
        } else {
            let token = match c {
                '+' | '-' | '*' | '/' => Token::Op(c),
                '(' => Token::Open,
                ')' => Token::Close,
                other => {
                    return Err(FormulaError {
                        column,
                        message: format!("unexpected character '{other}'"),
                    });
                }
            };
            tokens.push((column, token));
            i += 1;
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end_column: usize,
    items: &'a dyn ItemResolver,
    context: FormulaContext,
}

/// Parses and checks a formula: unknown items, an aggregation that does not fit the item's kind
/// (`flow` of a balance, `end` of a flow) and misplaced syntax are errors with a column.
pub fn parse(
    text: &str,
    items: &dyn ItemResolver,
    context: FormulaContext,
) -> Result<Expr, FormulaError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(FormulaError {
            column: 1,
            message: "formula is empty".into(),
        });
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end_column: text.chars().count() + 1,
        items,
        context,
    };
    let expr = parser.expression(0)?;
    if let Some((column, token)) = parser.tokens.get(parser.pos) {
        return Err(FormulaError {
            column: *column,
            message: format!("unexpected {}", describe(token)),
        });
    }
    Ok(expr)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Number(n) => format!("number {n}"),
        Token::Ident(s) => format!("name \"{s}\""),
        Token::Op(c) => format!("operator '{c}'"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&(usize, Token)> {
        self.tokens.get(self.pos)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |(c, _)| *c)
    }

    fn error(&self, message: impl Into<String>) -> FormulaError {
        FormulaError {
            column: self.column(),
            message: message.into(),
        }
    }

    fn expression(&mut self, min_prec: u8) -> Result<Expr, FormulaError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some((_, Token::Op('+'))) => BinaryOp::Add,
                Some((_, Token::Op('-'))) => BinaryOp::Sub,
                Some((_, Token::Op('*'))) => BinaryOp::Mul,
                Some((_, Token::Op('/'))) => BinaryOp::Div,
                _ => break,
            };
            let prec = op.precedence();
            if prec < min_prec.max(1) {
                break;
            }
            self.pos += 1;
            let right = self.expression(prec + 1)?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FormulaError> {
        if let Some((_, Token::Op('-'))) = self.peek() {
            self.pos += 1;
            return Ok(Expr::Negate(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn expect(&mut self, wanted: Token, what: &str) -> Result<(), FormulaError> {
        match self.peek() {
            Some((_, t)) if *t == wanted => {
                self.pos += 1;
                Ok(())
            }
            Some((_, t)) => Err(self.error(format!("expected {what}, found {}", describe(t)))),
            None => Err(self.error(format!("expected {what}, found the end of the formula"))),
        }
    }

    fn primary(&mut self) -> Result<Expr, FormulaError> {
        let Some((column, token)) = self.peek().cloned() else {
            return Err(self.error("expected a value, found the end of the formula"));
        };
        match token {
            Token::Number(n) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Token::Open => {
                self.pos += 1;
                let inner = self.expression(0)?;
                self.expect(Token::Close, "')'")?;
                Ok(inner)
            }
            Token::Ident(name) => {
                self.pos += 1;
                let is_call = matches!(self.peek(), Some((_, Token::Open)));
                if !is_call {
                    return self.bare_item(&name, column);
                }
                self.pos += 1;
                if name == "positive" {
                    let inner = self.expression(0)?;
                    self.expect(Token::Close, "')'")?;
                    return Ok(Expr::Positive(Box::new(inner)));
                }
                let aggregation = match name.as_str() {
                    "flow" => Aggregation::Flow,
                    "end" => Aggregation::End,
                    "opening" => Aggregation::Opening,
                    "average" => Aggregation::Average,
                    other => {
                        return Err(FormulaError {
                            column,
                            message: format!(
                                "unknown function \"{other}\" (known: flow, end, opening, average, positive)"
                            ),
                        });
                    }
                };
                if self.context == FormulaContext::DerivedItem {
                    return Err(FormulaError {
                        column,
                        message: format!(
                            "a derived item is computed month by month: write items bare, not {name}(…)"
                        ),
                    });
                }
                let item_column = self.column();
                let item_name = match self.peek() {
                    Some((_, Token::Ident(s))) => s.clone(),
                    _ => return Err(self.error(format!("{name}(…) takes an item code"))),
                };
                self.pos += 1;
                self.expect(Token::Close, "')'")?;
                let (item, kind) = self.resolve(&item_name, item_column)?;
                use crate::catalogue::ItemKind;
                let fits = match aggregation {
                    Aggregation::Flow => kind == ItemKind::Flow,
                    Aggregation::End | Aggregation::Opening => kind == ItemKind::Stock,
                    Aggregation::Average => kind == ItemKind::Average,
                    Aggregation::AtMonth => true,
                };
                if !fits {
                    let hint = match kind {
                        ItemKind::Flow => "flow",
                        ItemKind::Stock => "end or opening",
                        ItemKind::Average => "average",
                    };
                    return Err(FormulaError {
                        column,
                        message: format!(
                            "{name}({item_name}) does not fit: {item_name} is a {} item, use {hint}({item_name})",
                            kind.as_str()
                        ),
                    });
                }
                Ok(Expr::Item { aggregation, item })
            }
            other => Err(FormulaError {
                column,
                message: format!("expected a value, found {}", describe(&other)),
            }),
        }
    }

    fn bare_item(&mut self, name: &str, column: usize) -> Result<Expr, FormulaError> {
        // An indicator never reads an item bare, so `days` cannot shadow one there.
        if name == "days" && self.context == FormulaContext::Indicator {
            return Ok(Expr::Days);
        }
        let (item, _) = self.resolve(name, column)?;
        if self.context == FormulaContext::Indicator {
            return Err(FormulaError {
                column,
                message: format!(
                    "item \"{name}\" needs an aggregation over the period: flow({name}), end({name}), opening({name}) or average({name})"
                ),
            });
        }
        Ok(Expr::Item {
            aggregation: Aggregation::AtMonth,
            item,
        })
    }

    fn resolve(
        &self,
        name: &str,
        column: usize,
    ) -> Result<(usize, crate::catalogue::ItemKind), FormulaError> {
        self.items.resolve(name).ok_or_else(|| FormulaError {
            column,
            message: format!("unknown item \"{name}\""),
        })
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ItemKind;

    struct Items;
    impl ItemResolver for Items {
        fn resolve(&self, code: &str) -> Option<(usize, ItemKind)> {
            match code {
                "revenue" => Some((0, ItemKind::Flow)),
                "assets" => Some((1, ItemKind::Stock)),
                "people" => Some((2, ItemKind::Average)),
                _ => None,
            }
        }
    }

    fn names(i: usize) -> String {
        ["revenue", "assets", "people"][i].to_string()
    }

    #[test]
    fn only_sums_and_multiples_of_items_add_up_over_entities() {
        let additive = |text: &str| {
            parse(text, &Items, FormulaContext::Indicator)
                .unwrap()
                .is_additive()
        };
        assert!(additive("end(assets) - opening(assets)"));
        assert!(additive("-(flow(revenue) + end(assets)) * 2"));
        assert!(additive("flow(revenue) / 12"));
        assert!(!additive("flow(revenue) / end(assets)"));
        assert!(!additive("flow(revenue) * end(assets)"));
        assert!(!additive("flow(revenue) + 1"));
        assert!(!additive("positive(flow(revenue))"));
    }

    #[test]
    fn parses_with_precedence_and_renders_back() {
        let e = parse(
            "flow(revenue) / positive((opening(assets) + end(assets)) / 2) - 1",
            &Items,
            FormulaContext::Indicator,
        )
        .unwrap();
        assert_eq!(
            e.render(&names),
            "flow(revenue) / positive((opening(assets) + end(assets)) / 2) - 1"
        );
        assert_eq!(
            e.inputs(),
            vec![
                (Aggregation::Flow, 0),
                (Aggregation::Opening, 1),
                (Aggregation::End, 1)
            ]
        );
        let e = parse(
            "assets - (revenue - people)",
            &Items,
            FormulaContext::DerivedItem,
        )
        .unwrap();
        assert_eq!(e.render(&names), "assets - (revenue - people)");
    }

    #[test]
    fn days_is_the_periods_length_in_indicators_only() {
        let e = parse(
            "flow(revenue) / (end(assets) * days)",
            &Items,
            FormulaContext::Indicator,
        )
        .unwrap();
        assert_eq!(e.render(&names), "flow(revenue) / (end(assets) * days)");
        // `days` reads no item and does not add up over entities.
        assert_eq!(
            e.inputs(),
            vec![(Aggregation::Flow, 0), (Aggregation::End, 1)]
        );
        assert!(
            !parse("days", &Items, FormulaContext::Indicator)
                .unwrap()
                .is_additive()
        );
        // A derived item is computed month by month: `days` is no item there.
        assert_eq!(
            parse("assets * days", &Items, FormulaContext::DerivedItem)
                .unwrap_err()
                .to_string(),
            "column 10: unknown item \"days\""
        );
    }

    #[test]
    fn reports_errors_with_columns() {
        let err = |t: &str| {
            parse(t, &Items, FormulaContext::Indicator)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(err("flow(revnue)"), "column 6: unknown item \"revnue\"");
        assert_eq!(
            err("flow(assets)"),
            "column 1: flow(assets) does not fit: assets is a stock item, use end or opening(assets)"
        );
        assert_eq!(
            err("revenue / 2"),
            "column 1: item \"revenue\" needs an aggregation over the period: flow(revenue), end(revenue), opening(revenue) or average(revenue)"
        );
        assert_eq!(
            err("flow(revenue) /"),
            "column 16: expected a value, found the end of the formula"
        );
        assert_eq!(
            err("(flow(revenue)"),
            "column 15: expected ')', found the end of the formula"
        );
        assert_eq!(
            err("flow(revenue) $ 2"),
            "column 15: unexpected character '$'"
        );
        assert_eq!(
            err("sum(revenue)"),
            "column 1: unknown function \"sum\" (known: flow, end, opening, average, positive)"
        );
        assert_eq!(err(""), "column 1: formula is empty");
        assert_eq!(err("1 2"), "column 3: unexpected number 2");
    }
}
