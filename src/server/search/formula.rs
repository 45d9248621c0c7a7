//! Score formulas, as Qdrant 1.19 parses and evaluates them: parsed once
//! per query (variables, date-times and decay parameters are checked
//! then), evaluated in `f64` per point, and refused when a step or the
//! final `f32` score is not finite.

use std::collections::HashMap;

use tonic::Status;

use super::super::filter::{self, CheckedFilter, values_at};
use super::super::store::{PointKey, StoredPoint, bad_input};
use crate::proto;
use proto::value::Kind;

/// How deeply formula expressions may nest: parsing and evaluation recurse
/// once per level. gRPC decoding stops near 100 levels already.
const MAX_EXPRESSION_DEPTH: usize = 100;

const DEFAULT_DECAY_MIDPOINT: f32 = 0.5;
const DEFAULT_DECAY_SCALE: f32 = 1.0;

/// A variable of a formula.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Variable {
    /// `$score` or `$score[i]`: the score from prefetch `i`.
    Score(usize),
    /// A payload key.
    Payload(String),
}

#[derive(Clone, Copy, Debug)]
enum Decay {
    Lin,
    Exp,
    Gauss,
}

/// A parsed expression.
#[derive(Debug)]
enum Expr {
    Constant(f64),
    Variable(Variable),
    Condition(proto::Filter),
    GeoDistance {
        origin: proto::GeoPoint,
        key: String,
    },
    Datetime(f64),
    DatetimeKey(String),
    Mult(Vec<Expr>),
    Sum(Vec<Expr>),
    Div {
        left: Box<Expr>,
        right: Box<Expr>,
        by_zero_default: Option<f64>,
    },
    Neg(Box<Expr>),
    Sqrt(Box<Expr>),
    Pow {
        base: Box<Expr>,
        exponent: Box<Expr>,
    },
    Exp(Box<Expr>),
    Log10(Box<Expr>),
    Ln(Box<Expr>),
    Abs(Box<Expr>),
    Decay {
        kind: Decay,
        x: Box<Expr>,
        target: Option<Box<Expr>>,
        lambda: f64,
    },
}

/// A formula ready to score points.
#[derive(Debug)]
pub(super) struct Formula {
    expr: Expr,
    defaults: HashMap<Variable, proto::Value>,
}

/// Qdrant's answer for a value of the wrong kind (or none) under a key.
fn variable_error(key: &str, expected: &str, description: impl std::fmt::Display) -> Status {
    bad_input(format!(
        "Expected {expected} value for {key} in the payload and/or in the formula defaults. Error: {description}"
    ))
}

fn non_finite(expression: String) -> Status {
    bad_input(format!(
        "The expression {expression} produced a non-finite number"
    ))
}

fn validation(description: impl std::fmt::Display) -> Status {
    bad_input(format!("Validation failed: {description}"))
}

fn missing(field: &str) -> Status {
    Status::invalid_argument(format!("missing field: {field}"))
}

fn parse_variable(name: &str) -> Result<Variable, Status> {
    let failed = |msg: String| validation(format!("failed to parse variable ID {name}: {msg}"));
    let Some(reserved) = name.strip_prefix('$') else {
        if name.is_empty() {
            return Err(failed(format!("Invalid payload variable: {name}")));
        }
        return Ok(Variable::Payload(name.to_owned()));
    };
    let (word, rest) = match reserved.find('[') {
        Some(i) => reserved.split_at(i),
        None => (reserved, ""),
    };
    if word != "score" {
        return Err(failed(format!("Invalid reserved word: {name}")));
    }
    if rest.is_empty() {
        return Ok(Variable::Score(0));
    }
    rest.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|i| i.parse().ok())
        .map(Variable::Score)
        .ok_or_else(|| failed(format!("Invalid reserved variable: {name}")))
}

/// Turns a decay's midpoint and scale into the one constant the decay
/// functions use, refusing the values Qdrant refuses.
fn decay_lambda(kind: Decay, midpoint: Option<f32>, scale: Option<f32>) -> Result<f64, Status> {
    let midpoint = f64::from(midpoint.unwrap_or(DEFAULT_DECAY_MIDPOINT));
    let scale = f64::from(scale.unwrap_or(DEFAULT_DECAY_SCALE));
    match kind {
        Decay::Lin if !(0.0..=1.0).contains(&midpoint) => {
            return Err(validation(format!(
                "Linear decay midpoint should be in the range [0.0, 1.0], got {midpoint}."
            )));
        }
        Decay::Exp | Decay::Gauss if midpoint <= 0.0 || midpoint >= 1.0 => {
            return Err(validation(format!(
                "Decay midpoint should be in the range (0.0, 1.0), got {midpoint}."
            )));
        }
        _ => {}
    }
    if scale <= 0.0 {
        return Err(validation(format!(
            "Decay scale should be non-zero positive, got {scale}."
        )));
    }
    Ok(match kind {
        Decay::Lin => (1.0 - midpoint) / scale,
        Decay::Exp => midpoint.ln() / scale,
        Decay::Gauss => midpoint.ln() / scale.powi(2),
    })
}

fn parse_boxed(e: Option<&proto::Expression>, field: &str) -> Result<Box<Expr>, Status> {
    Ok(Box::new(parse(e.ok_or_else(|| missing(field))?)?))
}

/// Parses an expression as Qdrant 1.19 does; its depth is already checked.
/// The expressions of later protocols (`acosh`, `max`, `min`) are unknown
/// to Qdrant 1.19: their variant is missing.
fn parse(e: &proto::Expression) -> Result<Expr, Status> {
    use proto::expression::Variant as E;
    let list =
        |items: &[proto::Expression]| -> Result<Vec<Expr>, Status> { items.iter().map(parse).collect() };
    let decay = |d: &proto::DecayParamsExpression, kind: Decay| -> Result<Expr, Status> {
        let lambda = decay_lambda(kind, d.midpoint, d.scale)?;
        Ok(Expr::Decay {
            kind,
            x: parse_boxed(d.x.as_deref(), "x")?,
            target: d.target.as_deref().map(|t| parse(t).map(Box::new)).transpose()?,
            lambda,
        })
    };
    Ok(match &e.variant {
        None | Some(E::Acosh(_) | E::Max(_) | E::Min(_)) => return Err(missing("variant")),
        Some(E::Constant(c)) => Expr::Constant(f64::from(*c)),
        Some(E::Variable(v)) => Expr::Variable(parse_variable(v)?),
        Some(E::Condition(c)) => {
            if c.condition_one_of.is_none() {
                return Err(missing("condition"));
            }
            let f = proto::Filter {
                must: vec![c.clone()],
                ..Default::default()
            };
            CheckedFilter::new(&f)?;
            Expr::Condition(f)
        }
        Some(E::GeoDistance(g)) => Expr::GeoDistance {
            origin: g.origin.ok_or_else(|| missing("origin"))?,
            key: g.to.clone(),
        },
        Some(E::Datetime(d)) => Expr::Datetime(filter::parse_datetime(d).ok_or_else(|| {
            validation(format!(
                "failed to parse date-time {d}: input is not a valid date-time"
            ))
        })?),
        Some(E::DatetimeKey(k)) => Expr::DatetimeKey(k.clone()),
        Some(E::Mult(m)) => Expr::Mult(list(&m.mult)?),
        Some(E::Sum(s)) => Expr::Sum(list(&s.sum)?),
        Some(E::Div(d)) => Expr::Div {
            left: parse_boxed(d.left.as_deref(), "left")?,
            right: parse_boxed(d.right.as_deref(), "right")?,
            by_zero_default: d.by_zero_default.map(f64::from),
        },
        Some(E::Neg(x)) => Expr::Neg(Box::new(parse(x)?)),
        Some(E::Abs(x)) => Expr::Abs(Box::new(parse(x)?)),
        Some(E::Sqrt(x)) => Expr::Sqrt(Box::new(parse(x)?)),
        Some(E::Pow(p)) => Expr::Pow {
            base: parse_boxed(p.base.as_deref(), "base")?,
            exponent: parse_boxed(p.exponent.as_deref(), "exponent")?,
        },
        Some(E::Exp(x)) => Expr::Exp(Box::new(parse(x)?)),
        Some(E::Log10(x)) => Expr::Log10(Box::new(parse(x)?)),
        Some(E::Ln(x)) => Expr::Ln(Box::new(parse(x)?)),
        Some(E::LinDecay(d)) => decay(d, Decay::Lin)?,
        Some(E::ExpDecay(d)) => decay(d, Decay::Exp)?,
        Some(E::GaussDecay(d)) => decay(d, Decay::Gauss)?,
    })
}

impl Formula {
    /// Parses a formula and its defaults.
    pub(super) fn parse(f: &proto::Formula) -> Result<Self, Status> {
        // The expression's depth is bounded before anything recurses on it.
        let expression = f.expression.as_ref().ok_or_else(|| missing("expression"))?;
        check_depth(expression)?;
        let expr = parse(expression)?;
        let defaults = f
            .defaults
            .iter()
            .map(|(k, v)| Ok((parse_variable(k)?, v.clone())))
            .collect::<Result<_, Status>>()?;
        Ok(Formula { expr, defaults })
    }

    /// The formula's score for one point, given the prefetches' scores.
    pub(super) fn score(
        &self,
        key: &PointKey,
        point: Option<&StoredPoint>,
        scores: &[HashMap<PointKey, f32>],
    ) -> Result<f32, Status> {
        let env = Env {
            key,
            point,
            scores,
            defaults: &self.defaults,
        };
        let score = env.eval(&self.expr)?;
        let narrow = score as f32;
        if !narrow.is_finite() {
            return Err(non_finite(format!("{score} as f32 = {narrow}")));
        }
        Ok(narrow)
    }
}

/// Refuses an expression nested deeper than [`MAX_EXPRESSION_DEPTH`]; the
/// walk keeps its own stack, so any depth is measured safely.
fn check_depth(expr: &proto::Expression) -> Result<(), Status> {
    let mut stack = vec![(expr, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(bad_input(format!(
                "Formula expression is nested too deeply: more than {MAX_EXPRESSION_DEPTH} levels"
            )));
        }
        stack.extend(sub_expressions(e).into_iter().map(|x| (x, depth + 1)));
    }
    Ok(())
}

fn sub_expressions(e: &proto::Expression) -> Vec<&proto::Expression> {
    use proto::expression::Variant as E;
    match &e.variant {
        Some(E::Mult(m)) => m.mult.iter().collect(),
        Some(E::Sum(s)) => s.sum.iter().collect(),
        Some(E::Max(m)) => m.max.iter().collect(),
        Some(E::Min(m)) => m.min.iter().collect(),
        Some(E::Div(d)) => [&d.left, &d.right].into_iter().flatten().map(|b| &**b).collect(),
        Some(E::Pow(p)) => [&p.base, &p.exponent]
            .into_iter()
            .flatten()
            .map(|b| &**b)
            .collect(),
        Some(E::ExpDecay(d) | E::GaussDecay(d) | E::LinDecay(d)) => {
            [&d.x, &d.target].into_iter().flatten().map(|b| &**b).collect()
        }
        Some(E::Neg(x) | E::Abs(x) | E::Sqrt(x) | E::Exp(x) | E::Log10(x) | E::Ln(x) | E::Acosh(x)) => {
            vec![&**x]
        }
        Some(
            E::Constant(_)
            | E::Variable(_)
            | E::Condition(_)
            | E::GeoDistance(_)
            | E::Datetime(_)
            | E::DatetimeKey(_),
        )
        | None => Vec::new(),
    }
}

/// What a formula reads for one point.
struct Env<'a> {
    key: &'a PointKey,
    point: Option<&'a StoredPoint>,
    scores: &'a [HashMap<PointKey, f32>],
    defaults: &'a HashMap<Variable, proto::Value>,
}

fn number(v: &proto::Value) -> Option<f64> {
    match v.kind {
        Some(Kind::IntegerValue(i)) => Some(i as f64),
        Some(Kind::DoubleValue(d)) => Some(d),
        _ => None,
    }
}

fn geo_point(v: &proto::Value) -> Result<proto::GeoPoint, String> {
    let Some(Kind::StructValue(s)) = &v.kind else {
        return Err("invalid type: expected struct GeoPoint".to_owned());
    };
    let field = |name: &str| {
        s.fields
            .get(name)
            .ok_or_else(|| format!("missing field `{name}`"))
            .and_then(|v| number(v).ok_or_else(|| format!("invalid type for `{name}`, expected f64")))
    };
    Ok(proto::GeoPoint {
        lon: field("lon")?,
        lat: field("lat")?,
    })
}

impl Env<'_> {
    /// The value under `key`: the point's (one value as itself, several as
    /// an array), else the default.
    fn value(&self, key: &str) -> Option<proto::Value> {
        let values = self.point.map(|p| values_at(&p.payload, key)).unwrap_or_default();
        match values.len() {
            0 => self.defaults.get(&Variable::Payload(key.to_owned())).cloned(),
            1 => Some(values[0].clone()),
            _ => Some(proto::Value {
                kind: Some(Kind::ListValue(proto::ListValue {
                    values: values.into_iter().cloned().collect(),
                })),
            }),
        }
    }

    fn parsed<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl Fn(&proto::Value) -> Result<T, String>,
    ) -> Result<T, Status> {
        let v = self
            .value(key)
            .ok_or_else(|| variable_error(key, expected, "No value found in a payload nor defaults"))?;
        parse(&v).map_err(|e| variable_error(key, expected, e))
    }

    fn variable(&self, v: &Variable) -> Result<f64, Status> {
        match v {
            Variable::Score(i) => Ok(self
                .scores
                .get(*i)
                .and_then(|s| s.get(self.key))
                .map(|s| f64::from(*s))
                .or_else(|| self.defaults.get(v).and_then(number))
                .unwrap_or(0.0)),
            Variable::Payload(key) => self.parsed(key, "number", |v| {
                number(v).ok_or_else(|| "Value is not a number".to_owned())
            }),
        }
    }

    fn eval(&self, e: &Expr) -> Result<f64, Status> {
        Ok(match e {
            Expr::Constant(c) => *c,
            Expr::Variable(v) => self.variable(v)?,
            Expr::Condition(f) => {
                let f = CheckedFilter::new(f)?;
                f64::from(u8::from(self.point.is_some_and(|p| f.matches(self.key, p))))
            }
            Expr::GeoDistance { origin, key } => {
                let to = self.parsed(key, "geo point", geo_point)?;
                filter::haversine(origin, &to)
            }
            Expr::Datetime(t) => *t,
            Expr::DatetimeKey(key) => self.parsed(key, "datetime", |v| match &v.kind {
                Some(Kind::StringValue(s)) => {
                    filter::parse_datetime(s).ok_or_else(|| format!("invalid date-time: {s}"))
                }
                _ => Err("Value is not a string".to_owned()),
            })?,
            Expr::Mult(items) => {
                let mut product = 1.0;
                for x in items {
                    let v = self.eval(x)?;
                    if v == 0.0 {
                        return Ok(0.0);
                    }
                    product *= v;
                }
                product
            }
            Expr::Sum(items) => items
                .iter()
                .try_fold(0.0, |acc, x| Ok::<_, Status>(acc + self.eval(x)?))?,
            Expr::Div {
                left,
                right,
                by_zero_default,
            } => {
                let l = self.eval(left)?;
                if l == 0.0 {
                    return Ok(0.0);
                }
                let r = self.eval(right)?;
                if let (0.0, Some(d)) = (r, by_zero_default) {
                    return Ok(*d);
                }
                let q = l / r;
                if !q.is_finite() {
                    return Err(non_finite(format!("{l}/{r} = {q}")));
                }
                q
            }
            Expr::Neg(x) => -self.eval(x)?,
            Expr::Abs(x) => self.eval(x)?.abs(),
            Expr::Sqrt(x) => {
                let v = self.eval(x)?;
                finite(v.sqrt(), || format!("√{v}"))?
            }
            Expr::Pow { base, exponent } => {
                let (b, x) = (self.eval(base)?, self.eval(exponent)?);
                finite(b.powf(x), || format!("{b}^{x}"))?
            }
            Expr::Exp(x) => {
                let v = self.eval(x)?;
                finite(v.exp(), || format!("exp({v})"))?
            }
            Expr::Log10(x) => {
                let v = self.eval(x)?;
                finite(v.log10(), || format!("log10({v})"))?
            }
            Expr::Ln(x) => {
                let v = self.eval(x)?;
                finite(v.ln(), || format!("ln({v})"))?
            }
            Expr::Decay {
                kind,
                x,
                target,
                lambda,
            } => {
                let x = self.eval(x)?;
                let target = match target {
                    Some(t) => self.eval(t)?,
                    None => 0.0,
                };
                match kind {
                    Decay::Exp => (lambda * (x - target).abs()).exp(),
                    Decay::Gauss => (lambda * (x - target) * (x - target)).exp(),
                    Decay::Lin => (-lambda * (x - target).abs() + 1.0).max(0.0),
                }
            }
        })
    }
}

/// A step's result, or Qdrant's error naming the step when it is not finite.
fn finite(v: f64, step: impl FnOnce() -> String) -> Result<f64, Status> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(non_finite(format!("{} = {v}", step())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(c: f32) -> proto::Expression {
        proto::Expression {
            variant: Some(proto::expression::Variant::Constant(c)),
        }
    }

    fn formula(e: proto::expression::Variant) -> proto::Formula {
        proto::Formula {
            expression: Some(proto::Expression { variant: Some(e) }),
            defaults: HashMap::new(),
        }
    }

    fn score_of(f: &proto::Formula) -> Result<f32, Status> {
        Formula::parse(f)?.score(&PointKey::Num(1), None, &[])
    }

    #[test]
    fn steps_that_are_not_finite_are_refused_with_qdrants_message() {
        use proto::expression::Variant as E;
        let div = formula(E::Div(Box::new(proto::DivExpression {
            left: Some(Box::new(constant(3.0))),
            right: Some(Box::new(constant(0.0))),
            by_zero_default: None,
        })));
        assert_eq!(
            score_of(&div).unwrap_err().message(),
            "Wrong input: The expression 3/0 = inf produced a non-finite number"
        );
        let sqrt = formula(E::Sqrt(Box::new(constant(-1.0))));
        assert_eq!(
            score_of(&sqrt).unwrap_err().message(),
            "Wrong input: The expression √-1 = NaN produced a non-finite number"
        );
        let zero = formula(E::Div(Box::new(proto::DivExpression {
            left: Some(Box::new(constant(0.0))),
            right: Some(Box::new(constant(0.0))),
            by_zero_default: None,
        })));
        assert_eq!(score_of(&zero).unwrap(), 0.0);
    }

    #[test]
    fn variables_and_decays_are_checked_when_parsed() {
        assert_eq!(parse_variable("$score").unwrap(), Variable::Score(0));
        assert_eq!(parse_variable("$score[2]").unwrap(), Variable::Score(2));
        assert_eq!(
            parse_variable("$foo").unwrap_err().message(),
            "Wrong input: Validation failed: failed to parse variable ID $foo: Invalid reserved word: $foo"
        );
        assert!(decay_lambda(Decay::Exp, Some(1.0), None).is_err());
        assert!(decay_lambda(Decay::Lin, Some(1.0), None).is_ok());
        assert!(decay_lambda(Decay::Gauss, None, Some(0.0)).is_err());
    }
}
