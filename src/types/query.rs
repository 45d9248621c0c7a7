//! Queries: what `query_points` ranks by (nearest, recommend, discover,
//! context, order by, fusion, formula, sample, MMR, relevance feedback,
//! text), prefetch trees, and search parameters.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::proto;
use crate::types::filter::{Condition, Filter, GeoPoint};
use crate::types::payload::{Value, into_proto_map};
use crate::types::point::PointId;
use crate::types::selector::ShardKeySelector;
use crate::types::vector::{Document, Image, InferenceObject, SparseVector, Vector};

/// A query input: a vector, or the id of a point whose vector is used.
///
/// ```
/// use qdrant_async::{PointId, VectorInput};
///
/// let by_vector = VectorInput::from(vec![0.9, 0.1, 0.1, 0.5]);
/// let by_id = VectorInput::from(42);
/// assert_eq!(by_id, VectorInput::Id(PointId::from(42)));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum VectorInput {
    /// A vector (dense, sparse, multi-dense, or an inference input).
    Vector(Vector),
    /// The vector of the point with this id.
    Id(PointId),
}

impl VectorInput {
    fn check(&self, argument: &str) -> Result<()> {
        match self {
            VectorInput::Vector(v) => v.check(&|| argument.to_string()),
            VectorInput::Id(id) => id.check(&|| argument.to_string()),
        }
    }

    pub(crate) fn into_proto(self) -> proto::VectorInput {
        match self {
            VectorInput::Vector(v) => v.into_vector_input(),
            VectorInput::Id(id) => proto::VectorInput {
                variant: Some(proto::vector_input::Variant::Id(id.to_proto())),
            },
        }
    }
}

macro_rules! vector_input_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for VectorInput {
            fn from(v: $t) -> Self { VectorInput::$variant(v.into()) }
        }
        impl From<$t> for Query {
            fn from(v: $t) -> Self { Query::nearest(v) }
        }
    )*};
}

vector_input_from! {
    Vec<f32> => Vector,
    &[f32] => Vector,
    &Vec<f32> => Vector,
    SparseVector => Vector,
    Vec<Vec<f32>> => Vector,
    Document => Vector,
    Image => Vector,
    InferenceObject => Vector,
    Vector => Vector,
    PointId => Id,
    u64 => Id,
    uuid::Uuid => Id,
    &str => Id,
    String => Id,
}

impl<const N: usize> From<[f32; N]> for VectorInput {
    fn from(v: [f32; N]) -> Self {
        VectorInput::Vector(v.into())
    }
}

impl<const N: usize> From<[f32; N]> for Query {
    fn from(v: [f32; N]) -> Self {
        Query::nearest(v)
    }
}

/// How recommend combines its examples.
///
/// ```
/// use qdrant_async::{Query, RecommendStrategy};
///
/// let query = Query::recommend([1, 2], [3]).strategy(RecommendStrategy::BestScore);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecommendStrategy {
    /// Searches near the average of the positives minus the negatives.
    AverageVector,
    /// Scores each candidate by its best positive against its best negative.
    BestScore,
    /// Sums the scores against all positives minus all negatives.
    SumScores,
}

impl From<RecommendStrategy> for proto::RecommendStrategy {
    fn from(s: RecommendStrategy) -> Self {
        match s {
            RecommendStrategy::AverageVector => proto::RecommendStrategy::AverageVector,
            RecommendStrategy::BestScore => proto::RecommendStrategy::BestScore,
            RecommendStrategy::SumScores => proto::RecommendStrategy::SumScores,
        }
    }
}

/// Ways to fuse the results of several prefetches.
///
/// ```
/// use qdrant_async::{Fusion, Query};
///
/// let query = Query::fusion(Fusion::Rrf);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fusion {
    /// Reciprocal rank fusion.
    Rrf,
    /// Distribution-based score fusion.
    Dbsf,
}

/// Order for `order_by`.
///
/// ```
/// use qdrant_async::{Direction, OrderBy};
///
/// let newest_first = OrderBy::new("created_at").direction(Direction::Desc);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// Orders points by a payload key (which needs a payload index).
///
/// ```
/// use qdrant_async::{Direction, OrderBy};
/// let newest = OrderBy::new("created_at").direction(Direction::Desc);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OrderBy {
    /// The payload key.
    pub key: String,
    /// Ascending (default) or descending.
    pub direction: Option<Direction>,
    /// Starts from this value.
    pub start_from: Option<StartFrom>,
}

/// Where an ordered read starts.
///
/// ```
/// use qdrant_async::{OrderBy, StartFrom};
///
/// let from_100 = OrderBy::new("price").start_from(StartFrom::Float(100.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StartFrom {
    /// A number.
    Float(f64),
    /// An integer.
    Integer(i64),
    /// A time.
    Timestamp(std::time::SystemTime),
    /// An RFC 3339 date-time string.
    Datetime(String),
}

impl OrderBy {
    /// Orders by `key`, ascending.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Direction, OrderBy};
    ///
    /// // The newest first; `created_at` needs a payload index.
    /// let page = client
    ///     .scroll("my_collection")
    ///     .order_by(OrderBy::new("created_at").direction(Direction::Desc))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(key: impl Into<String>) -> Self {
        OrderBy {
            key: key.into(),
            direction: None,
            start_from: None,
        }
    }

    /// Sets the direction.
    ///
    /// ```
    /// use qdrant_async::{Direction, OrderBy};
    ///
    /// let order = OrderBy::new("price").direction(Direction::Desc);
    /// ```
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = Some(direction);
        self
    }

    /// Starts from this value.
    ///
    /// ```
    /// use qdrant_async::{OrderBy, StartFrom};
    ///
    /// let order = OrderBy::new("year").start_from(StartFrom::Integer(2020));
    /// ```
    pub fn start_from(mut self, start: StartFrom) -> Self {
        self.start_from = Some(start);
        self
    }
}

impl From<&str> for OrderBy {
    fn from(key: &str) -> Self {
        OrderBy::new(key)
    }
}

impl From<String> for OrderBy {
    fn from(key: String) -> Self {
        OrderBy::new(key)
    }
}

impl From<OrderBy> for proto::OrderBy {
    fn from(o: OrderBy) -> Self {
        use proto::start_from::Value as V;
        proto::OrderBy {
            key: o.key,
            direction: o.direction.map(|d| match d {
                Direction::Asc => proto::Direction::Asc as i32,
                Direction::Desc => proto::Direction::Desc as i32,
            }),
            start_from: o.start_from.map(|s| proto::StartFrom {
                value: Some(match s {
                    StartFrom::Float(f) => V::Float(f),
                    StartFrom::Integer(i) => V::Integer(i),
                    StartFrom::Timestamp(t) => V::Timestamp(t.into()),
                    StartFrom::Datetime(d) => V::Datetime(d),
                }),
            }),
        }
    }
}

/// An expression of a score formula.
///
/// ```
/// use qdrant_async::{Condition, Expression};
///
/// // The similarity score, plus 0.5 for red points.
/// let boosted = Expression::sum([
///     Expression::variable("$score"),
///     Expression::mult([Expression::constant(0.5), Expression::condition(Condition::matches("color", "red"))]),
/// ]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Expression(proto::Expression);

impl Expression {
    fn of(variant: proto::expression::Variant) -> Self {
        Expression(proto::Expression {
            variant: Some(variant),
        })
    }

    fn boxed(self) -> Box<proto::Expression> {
        Box::new(self.0)
    }

    fn list(items: impl IntoIterator<Item = Expression>) -> Vec<proto::Expression> {
        items.into_iter().map(|e| e.0).collect()
    }

    /// A number.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let boosted = Expression::mult([Expression::constant(1.5), Expression::variable("$score")]);
    /// ```
    pub fn constant(value: f32) -> Self {
        Self::of(proto::expression::Variant::Constant(value))
    }

    /// A payload key's value, or `$score` (or `$score[i]` for the i-th
    /// prefetch's score).
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// // `$score` is the prefetch's score; other names are payload keys.
    /// let e = Expression::sum([Expression::variable("$score"), Expression::variable("popularity")]);
    /// ```
    pub fn variable(name: impl Into<String>) -> Self {
        Self::of(proto::expression::Variant::Variable(name.into()))
    }

    /// 1 if the condition holds for the point, else 0.
    ///
    /// ```
    /// use qdrant_async::{Condition, Expression};
    ///
    /// // 1 where the point is in stock, else 0.
    /// let in_stock = Expression::condition(Condition::matches("in_stock", true));
    /// ```
    pub fn condition(condition: Condition) -> Self {
        Self::of(proto::expression::Variant::Condition(condition.into()))
    }

    /// Distance in metres from `origin` to the geo point at payload key `to`.
    ///
    /// ```
    /// use qdrant_async::{Expression, GeoPoint};
    ///
    /// // Metres from Berlin's centre to the point's `location`.
    /// let distance = Expression::geo_distance(GeoPoint::new(13.405, 52.52), "location");
    /// ```
    pub fn geo_distance(origin: GeoPoint, to: impl Into<String>) -> Self {
        Self::of(proto::expression::Variant::GeoDistance(proto::GeoDistance {
            origin: Some(origin.into()),
            to: to.into(),
        }))
    }

    /// A date-time constant (RFC 3339), as seconds.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let launch = Expression::datetime("2025-01-01T00:00:00Z");
    /// ```
    pub fn datetime(value: impl Into<String>) -> Self {
        Self::of(proto::expression::Variant::Datetime(value.into()))
    }

    /// The date-time at a payload key, as seconds.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let created = Expression::datetime_key("created_at");
    /// ```
    pub fn datetime_key(key: impl Into<String>) -> Self {
        Self::of(proto::expression::Variant::DatetimeKey(key.into()))
    }

    /// The product.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::mult([Expression::variable("$score"), Expression::variable("weight")]);
    /// ```
    pub fn mult(factors: impl IntoIterator<Item = Expression>) -> Self {
        Self::of(proto::expression::Variant::Mult(proto::MultExpression {
            mult: Self::list(factors),
        }))
    }

    /// The sum.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::sum([Expression::variable("$score"), Expression::constant(0.1)]);
    /// ```
    pub fn sum(terms: impl IntoIterator<Item = Expression>) -> Self {
        Self::of(proto::expression::Variant::Sum(proto::SumExpression {
            sum: Self::list(terms),
        }))
    }

    /// The largest. Needs Qdrant 1.20: Qdrant 1.19 and the embedded
    /// server refuse it.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let at_least_half = Expression::max([Expression::variable("$score"), Expression::constant(0.5)]);
    /// ```
    pub fn max(items: impl IntoIterator<Item = Expression>) -> Self {
        Self::of(proto::expression::Variant::Max(proto::MaxExpression {
            max: Self::list(items),
        }))
    }

    /// The smallest. Needs Qdrant 1.20: Qdrant 1.19 and the embedded
    /// server refuse it.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let at_most_one = Expression::min([Expression::variable("$score"), Expression::constant(1.0)]);
    /// ```
    pub fn min(items: impl IntoIterator<Item = Expression>) -> Self {
        Self::of(proto::expression::Variant::Min(proto::MinExpression {
            min: Self::list(items),
        }))
    }

    /// `left / right`; `by_zero_default` when `right` is 0.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// // likes / views, or 0 where views is 0.
    /// let rate = Expression::div(Expression::variable("likes"), Expression::variable("views"), Some(0.0));
    /// ```
    pub fn div(left: Expression, right: Expression, by_zero_default: Option<f32>) -> Self {
        Self::of(proto::expression::Variant::Div(Box::new(proto::DivExpression {
            left: Some(left.boxed()),
            right: Some(right.boxed()),
            by_zero_default,
        })))
    }

    /// `-x`.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let penalty = Expression::neg(Expression::variable("age_days"));
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn neg(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Neg(x.boxed()))
    }

    /// `|x|`.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let distance = Expression::abs(Expression::sum([Expression::variable("price"), Expression::constant(-100.0)]));
    /// ```
    pub fn abs(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Abs(x.boxed()))
    }

    /// Square root.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::sqrt(Expression::variable("views"));
    /// ```
    pub fn sqrt(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Sqrt(x.boxed()))
    }

    /// `base ^ exponent`.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let squared = Expression::pow(Expression::variable("$score"), Expression::constant(2.0));
    /// ```
    pub fn pow(base: Expression, exponent: Expression) -> Self {
        Self::of(proto::expression::Variant::Pow(Box::new(proto::PowExpression {
            base: Some(base.boxed()),
            exponent: Some(exponent.boxed()),
        })))
    }

    /// `e ^ x`.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::exp(Expression::variable("$score"));
    /// ```
    pub fn exp(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Exp(x.boxed()))
    }

    /// Base-10 logarithm.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::log10(Expression::sum([Expression::variable("views"), Expression::constant(1.0)]));
    /// ```
    pub fn log10(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Log10(x.boxed()))
    }

    /// Natural logarithm.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::ln(Expression::sum([Expression::variable("views"), Expression::constant(1.0)]));
    /// ```
    pub fn ln(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Ln(x.boxed()))
    }

    /// Inverse hyperbolic cosine. Needs Qdrant 1.20: Qdrant 1.19 and the
    /// embedded server refuse it.
    ///
    /// ```
    /// use qdrant_async::Expression;
    ///
    /// let e = Expression::acosh(Expression::sum([Expression::variable("$score"), Expression::constant(1.0)]));
    /// ```
    pub fn acosh(x: Expression) -> Self {
        Self::of(proto::expression::Variant::Acosh(x.boxed()))
    }

    /// Exponential decay of `x` around `target` (default 0).
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let fresh = Expression::exp_decay(Decay::new(Expression::variable("age_days")).scale(30.0));
    /// ```
    pub fn exp_decay(decay: Decay) -> Self {
        Self::of(proto::expression::Variant::ExpDecay(Box::new(decay.into_proto())))
    }

    /// Gaussian decay of `x` around `target` (default 0).
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let near_100 = Expression::gauss_decay(
    ///     Decay::new(Expression::variable("price")).target(Expression::constant(100.0)).scale(50.0),
    /// );
    /// ```
    pub fn gauss_decay(decay: Decay) -> Self {
        Self::of(proto::expression::Variant::GaussDecay(Box::new(
            decay.into_proto(),
        )))
    }

    /// Linear decay of `x` around `target` (default 0).
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let fresh = Expression::lin_decay(Decay::new(Expression::variable("age_days")).scale(30.0).midpoint(0.5));
    /// ```
    pub fn lin_decay(decay: Decay) -> Self {
        Self::of(proto::expression::Variant::LinDecay(Box::new(decay.into_proto())))
    }
}

impl From<f32> for Expression {
    fn from(value: f32) -> Self {
        Expression::constant(value)
    }
}

impl From<Condition> for Expression {
    fn from(condition: Condition) -> Self {
        Expression::condition(condition)
    }
}

/// Parameters of a decay function: `x` decays around `target` so that at
/// `scale` away the value is `midpoint` (defaults: target 0, scale 1,
/// midpoint 0.5).
///
/// ```
/// use qdrant_async::{Decay, Expression};
///
/// let fresh = Expression::exp_decay(Decay::new(Expression::variable("age_days")).scale(7.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Decay {
    /// The input.
    pub x: Expression,
    /// Where the decay is 1.
    pub target: Option<Expression>,
    /// The distance at which the value is `midpoint`.
    pub scale: Option<f32>,
    /// The value at `scale` away from `target`.
    pub midpoint: Option<f32>,
}

impl Decay {
    /// Decay of `x`, with the defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Decay, Expression, Prefetch, Query};
    ///
    /// // The score, plus a bonus that fades with the distance from price 100.
    /// let formula = Expression::sum([
    ///     Expression::variable("$score"),
    ///     Expression::gauss_decay(Decay::new(Expression::variable("price")).target(Expression::constant(100.0)).scale(50.0)),
    /// ]);
    /// let hits = client
    ///     .query_points("my_collection", Query::formula(formula))
    ///     .prefetch(Prefetch::new(vec![0.9, 0.1, 0.1, 0.5]).limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(x: Expression) -> Self {
        Decay {
            x,
            target: None,
            scale: None,
            midpoint: None,
        }
    }
    /// Sets the target.
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let near_100 = Decay::new(Expression::variable("price")).target(Expression::constant(100.0));
    /// ```
    pub fn target(mut self, target: Expression) -> Self {
        self.target = Some(target);
        self
    }
    /// Sets the scale.
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let week = Decay::new(Expression::variable("age_days")).scale(7.0);
    /// ```
    pub fn scale(mut self, scale: f32) -> Self {
        self.scale = Some(scale);
        self
    }
    /// Sets the midpoint.
    ///
    /// ```
    /// use qdrant_async::{Decay, Expression};
    ///
    /// let halves_at_scale = Decay::new(Expression::variable("age_days")).scale(7.0).midpoint(0.5);
    /// ```
    pub fn midpoint(mut self, midpoint: f32) -> Self {
        self.midpoint = Some(midpoint);
        self
    }

    fn into_proto(self) -> proto::DecayParamsExpression {
        proto::DecayParamsExpression {
            x: Some(self.x.boxed()),
            target: self.target.map(Expression::boxed),
            scale: self.scale,
            midpoint: self.midpoint,
        }
    }
}

/// The query: what `query_points` (and each prefetch) ranks by.
///
/// A vector or a point id converts into a nearest-neighbour query, so
/// `client.query_points("c", [0.1, 0.2])` just works.
///
/// ```
/// use qdrant_async::{Expression, Fusion, Query, RecommendStrategy};
///
/// let nearest = Query::nearest([0.1, 0.2, 0.3]);
/// let by_id = Query::nearest(42);
/// let rec = Query::recommend([1, 2], [3]).strategy(RecommendStrategy::BestScore);
/// let fused = Query::fusion(Fusion::Rrf);
/// let formula = Query::formula(Expression::variable("$score"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    inner: proto::Query,
    /// The first input that is not valid, kept to report it, named, when
    /// the query is sent (the constructors cannot fail). Boxed: it is
    /// rare, and a query is moved by value into its request.
    invalid: Option<Box<VectorInput>>,
}

/// Converts a query's inputs to the wire, keeping the first that is not
/// valid (valid ones are not copied: a query's vector is converted once).
#[derive(Default)]
struct Inputs {
    invalid: Option<Box<VectorInput>>,
}

impl Inputs {
    fn convert(&mut self, input: VectorInput) -> proto::VectorInput {
        if self.invalid.is_none() && input.check("").is_err() {
            self.invalid = Some(Box::new(input.clone()));
        }
        input.into_proto()
    }
}

impl Query {
    fn of(variant: proto::query::Variant, inputs: Inputs) -> Self {
        Query {
            inner: proto::Query {
                variant: Some(variant),
            },
            invalid: inputs.invalid,
        }
    }

    /// The points nearest to a vector, or to a point's vector.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// let by_vector = client.query_points("my_collection", Query::nearest([0.9, 0.1, 0.1, 0.5])).await?;
    /// // The vector of point 42, as the query.
    /// let like_42 = client.query_points("my_collection", Query::nearest(42)).await?;
    /// # Ok(()) }
    /// ```
    pub fn nearest(input: impl Into<VectorInput>) -> Self {
        let mut inputs = Inputs::default();
        let nearest = inputs.convert(input.into());
        Self::of(proto::query::Variant::Nearest(nearest), inputs)
    }

    /// Nearest, re-ranked for diversity with maximal marginal relevance:
    /// `diversity` from 0 (relevance only) to 1, among `candidates_limit`
    /// candidates.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // Nearest, but diverse: 0 is plain relevance, 1 the most diversity.
    /// let hits = client
    ///     .query_points("my_collection", Query::nearest_with_mmr([0.9, 0.1, 0.1, 0.5], Some(0.5), Some(100)))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn nearest_with_mmr(
        input: impl Into<VectorInput>,
        diversity: Option<f32>,
        candidates_limit: Option<u32>,
    ) -> Self {
        let mut inputs = Inputs::default();
        let nearest = inputs.convert(input.into());
        Self::of(
            proto::query::Variant::NearestWithMmr(proto::NearestInputWithMmr {
                nearest: Some(nearest),
                mmr: Some(proto::Mmr {
                    diversity,
                    candidates_limit,
                }),
            }),
            inputs,
        )
    }

    /// Points like the positive examples and unlike the negative ones.
    /// Chain `.strategy(..)` to choose how they combine.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Query, RecommendStrategy};
    ///
    /// let hits = client
    ///     .query_points("my_collection", Query::recommend([1, 2], [3]).strategy(RecommendStrategy::BestScore))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn recommend<P, N>(
        positive: impl IntoIterator<Item = P>,
        negative: impl IntoIterator<Item = N>,
    ) -> Self
    where
        P: Into<VectorInput>,
        N: Into<VectorInput>,
    {
        let mut inputs = Inputs::default();
        let positive = positive.into_iter().map(|p| inputs.convert(p.into())).collect();
        let negative = negative.into_iter().map(|n| inputs.convert(n.into())).collect();
        Self::of(
            proto::query::Variant::Recommend(proto::RecommendInput {
                positive,
                negative,
                strategy: None,
            }),
            inputs,
        )
    }

    /// For a recommend query: how the examples combine. Ignored otherwise.
    ///
    /// ```
    /// use qdrant_async::{Query, RecommendStrategy};
    ///
    /// let query = Query::recommend([1, 2], [3]).strategy(RecommendStrategy::SumScores);
    /// ```
    pub fn strategy(mut self, strategy: RecommendStrategy) -> Self {
        if let Some(proto::query::Variant::Recommend(r)) = &mut self.inner.variant {
            r.strategy = Some(proto::RecommendStrategy::from(strategy) as i32);
        }
        self
    }

    /// Points near `target` within the region that the context pairs
    /// (positive, negative) point to.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // Near point 10, in the region closer to 1 than to 2 and to 3 than to 4.
    /// let hits = client
    ///     .query_points("my_collection", Query::discover(10, [(1, 2), (3, 4)]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn discover<P, N>(target: impl Into<VectorInput>, context: impl IntoIterator<Item = (P, N)>) -> Self
    where
        P: Into<VectorInput>,
        N: Into<VectorInput>,
    {
        let mut inputs = Inputs::default();
        let pairs = context_pairs(context, &mut inputs);
        let target = inputs.convert(target.into());
        Self::of(
            proto::query::Variant::Discover(proto::DiscoverInput {
                target: Some(target),
                context: Some(proto::ContextInput { pairs }),
            }),
            inputs,
        )
    }

    /// Points in the region that the context pairs (positive, negative)
    /// point to, without a target.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // Points closer to 1 than to 2 and to 3 than to 4, no target.
    /// let hits = client.query_points("my_collection", Query::context([(1, 2), (3, 4)])).await?;
    /// # Ok(()) }
    /// ```
    pub fn context<P, N>(pairs: impl IntoIterator<Item = (P, N)>) -> Self
    where
        P: Into<VectorInput>,
        N: Into<VectorInput>,
    {
        let mut inputs = Inputs::default();
        let pairs = context_pairs(pairs, &mut inputs);
        Self::of(
            proto::query::Variant::Context(proto::ContextInput { pairs }),
            inputs,
        )
    }

    /// Points ordered by a payload key.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Direction, OrderBy, Query};
    ///
    /// // The ten most expensive; `price` needs a payload index.
    /// let hits = client
    ///     .query_points("my_collection", Query::order_by(OrderBy::new("price").direction(Direction::Desc)))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn order_by(order_by: impl Into<OrderBy>) -> Self {
        Self::of(
            proto::query::Variant::OrderBy(order_by.into().into()),
            Inputs::default(),
        )
    }

    /// Fuses the prefetches' results.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Fusion, Prefetch, Query};
    ///
    /// let hits = client
    ///     .query_points("hybrid", Query::fusion(Fusion::Dbsf))
    ///     .prefetch(Prefetch::new([0.9, 0.1, 0.1, 0.5]).using("dense"))
    ///     .prefetch(Prefetch::new([0.2, 0.8, 0.1, 0.1]).using("title"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn fusion(fusion: Fusion) -> Self {
        let f = match fusion {
            Fusion::Rrf => proto::Fusion::Rrf,
            Fusion::Dbsf => proto::Fusion::Dbsf,
        };
        Self::of(proto::query::Variant::Fusion(f as i32), Inputs::default())
    }

    /// Reciprocal rank fusion with its parameter `k` and per-prefetch weights.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Prefetch, Query};
    ///
    /// // Reciprocal rank fusion with k = 60, the first prefetch weighted twice.
    /// let hits = client
    ///     .query_points("hybrid", Query::rrf(Some(60), [2.0, 1.0]))
    ///     .prefetch(Prefetch::new([0.9, 0.1, 0.1, 0.5]).using("dense"))
    ///     .prefetch(Prefetch::new([0.2, 0.8, 0.1, 0.1]).using("title"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn rrf(k: Option<u32>, weights: impl IntoIterator<Item = f32>) -> Self {
        Self::of(
            proto::query::Variant::Rrf(proto::Rrf {
                k,
                weights: weights.into_iter().collect(),
            }),
            Inputs::default(),
        )
    }

    /// Re-scores the prefetches' results by a formula.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Condition, Expression, Prefetch, Query};
    ///
    /// // The similarity, plus 0.5 for points tagged "featured".
    /// let formula = Expression::sum([
    ///     Expression::variable("$score"),
    ///     Expression::mult([Expression::constant(0.5), Expression::condition(Condition::matches("tags", "featured"))]),
    /// ]);
    /// let hits = client
    ///     .query_points("my_collection", Query::formula(formula))
    ///     .prefetch(Prefetch::new([0.9, 0.1, 0.1, 0.5]).limit(100))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn formula(expression: impl Into<Expression>) -> Self {
        Self::formula_with_defaults(expression, HashMap::<String, Value>::new())
    }

    /// A formula, with default values for payload keys a point lacks.
    ///
    /// ```
    /// use qdrant_async::{Expression, Query, Value};
    /// use std::collections::HashMap;
    ///
    /// // `popularity` counts as 0 where a point has none.
    /// let query = Query::formula_with_defaults(
    ///     Expression::sum([Expression::variable("$score"), Expression::variable("popularity")]),
    ///     HashMap::from([("popularity".to_string(), Value::from(0))]),
    /// );
    /// ```
    pub fn formula_with_defaults(
        expression: impl Into<Expression>,
        defaults: HashMap<String, Value>,
    ) -> Self {
        Self::of(
            proto::query::Variant::Formula(proto::Formula {
                expression: Some(expression.into().0),
                defaults: into_proto_map(defaults),
            }),
            Inputs::default(),
        )
    }

    /// Random points.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// let five_at_random = client.query_points("my_collection", Query::sample_random()).limit(5).await?;
    /// # Ok(()) }
    /// ```
    pub fn sample_random() -> Self {
        Self::of(
            proto::query::Variant::Sample(proto::Sample::Random as i32),
            Inputs::default(),
        )
    }

    /// Relevance feedback: re-ranks around `target` using scored examples,
    /// with the naive strategy's parameters `a`, `b`, `c`.
    ///
    /// ```
    /// use qdrant_async::Query;
    ///
    /// // Around the query vector, moved by the scores given to points 1 and 2.
    /// let query = Query::relevance_feedback([0.9, 0.1, 0.1, 0.5], [(1, 0.9), (2, 0.1)], (1.0, 1.0, 1.0));
    /// ```
    pub fn relevance_feedback<E: Into<VectorInput>>(
        target: impl Into<VectorInput>,
        feedback: impl IntoIterator<Item = (E, f32)>,
        (a, b, c): (f32, f32, f32),
    ) -> Self {
        let mut inputs = Inputs::default();
        let target = inputs.convert(target.into());
        let feedback = feedback
            .into_iter()
            .map(|(example, score)| proto::FeedbackItem {
                example: Some(inputs.convert(example.into())),
                score,
            })
            .collect();
        Self::of(
            proto::query::Variant::RelevanceFeedback(proto::RelevanceFeedbackInput {
                target: Some(target),
                feedback,
                strategy: Some(proto::FeedbackStrategy {
                    variant: Some(proto::feedback_strategy::Variant::Naive(
                        proto::NaiveFeedbackStrategy { a, b, c },
                    )),
                }),
            }),
            inputs,
        )
    }

    /// Full-text search with BM25 scoring (`k` and `b` default to the
    /// server's), over a text-indexed payload key chosen with `using`.
    /// Needs Qdrant 1.20: Qdrant 1.19 and the embedded server refuse it.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Query;
    ///
    /// // BM25 on a full-text indexed field (Qdrant 1.20); k and b left to the server.
    /// let hits = client.query_points("articles", Query::text("wireless headphones", None, None)).await?;
    /// # Ok(()) }
    /// ```
    pub fn text(query: impl Into<String>, k: Option<f32>, b: Option<f32>) -> Self {
        Self::of(
            proto::query::Variant::Text(proto::TextQuery {
                query: query.into(),
                scoring: Some(proto::text_query::Scoring::Bm25(proto::Bm25Params { k, b })),
            }),
            Inputs::default(),
        )
    }

    /// Checks the query's vectors and ids, naming the argument.
    pub(crate) fn check(&self, argument: &str) -> Result<()> {
        if self.inner.variant.is_none() {
            return Err(Error::invalid_argument(argument, "the query is empty"));
        }
        match &self.invalid {
            Some(input) => input.check(argument),
            None => Ok(()),
        }
    }
}

fn context_pairs<P, N>(
    pairs: impl IntoIterator<Item = (P, N)>,
    inputs: &mut Inputs,
) -> Vec<proto::ContextInputPair>
where
    P: Into<VectorInput>,
    N: Into<VectorInput>,
{
    pairs
        .into_iter()
        .map(|(p, n)| proto::ContextInputPair {
            positive: Some(inputs.convert(p.into())),
            negative: Some(inputs.convert(n.into())),
        })
        .collect()
}

impl From<Query> for proto::Query {
    fn from(q: Query) -> Self {
        q.inner
    }
}

impl From<Fusion> for Query {
    fn from(f: Fusion) -> Self {
        Query::fusion(f)
    }
}

impl From<OrderBy> for Query {
    fn from(o: OrderBy) -> Self {
        Query::order_by(o)
    }
}

impl From<Expression> for Query {
    fn from(e: Expression) -> Self {
        Query::formula(e)
    }
}

/// How a search uses quantized vectors; `None` leaves the server's default.
///
/// ```
/// use qdrant_async::{QuantizationSearchParams, SearchParams};
/// let params = SearchParams::new().quantization(QuantizationSearchParams::new().rescore(true).oversampling(2.0));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct QuantizationSearchParams {
    /// Searches the original vectors, not the quantized ones.
    pub ignore: Option<bool>,
    /// Rescores the best candidates with the original vectors.
    pub rescore: Option<bool>,
    /// Fetches this many times `limit` candidates before rescoring.
    pub oversampling: Option<f64>,
}

impl QuantizationSearchParams {
    /// Nothing set: the server's defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{QuantizationSearchParams, SearchParams};
    ///
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .params(SearchParams::new().quantization(QuantizationSearchParams::new().rescore(true).oversampling(2.0)))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Searches the original vectors, not the quantized ones.
    ///
    /// ```
    /// use qdrant_async::QuantizationSearchParams;
    ///
    /// let params = QuantizationSearchParams::new().ignore(true);
    /// ```
    pub fn ignore(mut self, ignore: bool) -> Self {
        self.ignore = Some(ignore);
        self
    }

    /// Rescores the best candidates with the original vectors.
    ///
    /// ```
    /// use qdrant_async::QuantizationSearchParams;
    ///
    /// let params = QuantizationSearchParams::new().rescore(true);
    /// ```
    pub fn rescore(mut self, rescore: bool) -> Self {
        self.rescore = Some(rescore);
        self
    }

    /// Fetches this many times `limit` candidates before rescoring.
    ///
    /// ```
    /// use qdrant_async::QuantizationSearchParams;
    ///
    /// let params = QuantizationSearchParams::new().oversampling(2.0);
    /// ```
    pub fn oversampling(mut self, oversampling: f64) -> Self {
        self.oversampling = Some(oversampling);
        self
    }
}

impl From<QuantizationSearchParams> for proto::QuantizationSearchParams {
    fn from(d: QuantizationSearchParams) -> Self {
        proto::QuantizationSearchParams {
            ignore: d.ignore,
            rescore: d.rescore,
            oversampling: d.oversampling,
        }
    }
}

impl From<proto::QuantizationSearchParams> for QuantizationSearchParams {
    fn from(p: proto::QuantizationSearchParams) -> Self {
        QuantizationSearchParams {
            ignore: p.ignore,
            rescore: p.rescore,
            oversampling: p.oversampling,
        }
    }
}

/// Search parameters for a query or a prefetch.
///
/// ```
/// use qdrant_async::SearchParams;
/// let exact = SearchParams::new().exact(true);
/// let fast = SearchParams::new().hnsw_ef(64);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SearchParams {
    /// HNSW beam width: higher is more accurate and slower.
    pub hnsw_ef: Option<u64>,
    /// Exact search, without the index.
    pub exact: Option<bool>,
    /// Quantization use at search time.
    pub quantization: Option<QuantizationSearchParams>,
    /// Searches only indexed segments.
    pub indexed_only: Option<bool>,
}

impl SearchParams {
    /// Defaults.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::SearchParams;
    ///
    /// // A wider HNSW search than the collection's default.
    /// let hits = client
    ///     .query_points("my_collection", vec![0.9, 0.1, 0.1, 0.5])
    ///     .params(SearchParams::new().hnsw_ef(256))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the HNSW beam width.
    ///
    /// ```
    /// use qdrant_async::SearchParams;
    ///
    /// let params = SearchParams::new().hnsw_ef(256);
    /// ```
    pub fn hnsw_ef(mut self, ef: u64) -> Self {
        self.hnsw_ef = Some(ef);
        self
    }
    /// Searches exactly.
    ///
    /// ```
    /// use qdrant_async::SearchParams;
    ///
    /// // No index: compares with every vector (slow, for checking recall).
    /// let params = SearchParams::new().exact(true);
    /// ```
    pub fn exact(mut self, exact: bool) -> Self {
        self.exact = Some(exact);
        self
    }
    /// Quantization use at search time.
    ///
    /// ```
    /// use qdrant_async::{QuantizationSearchParams, SearchParams};
    ///
    /// let params = SearchParams::new().quantization(QuantizationSearchParams::new().rescore(true));
    /// ```
    pub fn quantization(mut self, params: QuantizationSearchParams) -> Self {
        self.quantization = Some(params);
        self
    }
    /// Searches only indexed segments.
    ///
    /// ```
    /// use qdrant_async::SearchParams;
    ///
    /// let params = SearchParams::new().indexed_only(true);
    /// ```
    pub fn indexed_only(mut self, indexed_only: bool) -> Self {
        self.indexed_only = Some(indexed_only);
        self
    }
}

impl From<SearchParams> for proto::SearchParams {
    fn from(p: SearchParams) -> Self {
        proto::SearchParams {
            hnsw_ef: p.hnsw_ef,
            exact: p.exact,
            quantization: p.quantization.map(Into::into),
            indexed_only: p.indexed_only,
            acorn: None,
            idf: None,
        }
    }
}

/// Where to take the vectors of ids used in a query: another collection.
///
/// ```
/// use qdrant_async::LookupLocation;
///
/// let location = LookupLocation::new("catalog").vector_name("image");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LookupLocation {
    /// The collection.
    pub collection_name: String,
    /// The vector name in it.
    pub vector_name: Option<String>,
    /// Its shards to read.
    pub shard_key_selector: Option<ShardKeySelector>,
}

impl LookupLocation {
    /// Another collection's vectors.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{LookupLocation, Query};
    ///
    /// // Recommend by the vectors of points 10 and 11 of another collection.
    /// let hits = client
    ///     .query_points("products", Query::recommend([10, 11], Vec::<u64>::new()))
    ///     .lookup_from(LookupLocation::new("catalog").vector_name("image"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(collection_name: impl Into<String>) -> Self {
        LookupLocation {
            collection_name: collection_name.into(),
            vector_name: None,
            shard_key_selector: None,
        }
    }

    /// Its vector with this name.
    ///
    /// ```
    /// use qdrant_async::LookupLocation;
    ///
    /// let location = LookupLocation::new("catalog").vector_name("image");
    /// ```
    pub fn vector_name(mut self, name: impl Into<String>) -> Self {
        self.vector_name = Some(name.into());
        self
    }

    /// Reads only these shards.
    ///
    /// ```
    /// use qdrant_async::LookupLocation;
    ///
    /// let location = LookupLocation::new("catalog").shard_key_selector("tenant_a");
    /// ```
    pub fn shard_key_selector(mut self, selector: impl Into<ShardKeySelector>) -> Self {
        self.shard_key_selector = Some(selector.into());
        self
    }
}

impl From<&str> for LookupLocation {
    fn from(name: &str) -> Self {
        LookupLocation::new(name)
    }
}

impl From<LookupLocation> for proto::LookupLocation {
    fn from(l: LookupLocation) -> Self {
        proto::LookupLocation {
            collection_name: l.collection_name,
            vector_name: l.vector_name,
            shard_key_selector: l.shard_key_selector.map(Into::into),
        }
    }
}

/// A prefetch: a sub-query whose results the outer query re-ranks or fuses.
///
/// ```
/// use qdrant_async::{Prefetch, SparseVector};
///
/// let dense = Prefetch::new([0.1, 0.2, 0.3]).using("dense").limit(50);
/// let sparse = Prefetch::new(SparseVector::new([3, 9], [0.5, 0.8])).using("sparse").limit(50);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
#[non_exhaustive]
pub struct Prefetch {
    /// The sub-query; without one, the nested prefetches' results pass through.
    pub query: Option<Query>,
    /// Nested prefetches.
    pub prefetch: Vec<Prefetch>,
    /// The named vector to search.
    pub using: Option<String>,
    /// Only points matching this filter.
    pub filter: Option<Filter>,
    /// Search parameters.
    pub params: Option<SearchParams>,
    /// Only results scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance); fusion and formula scores
    /// equal to it are kept, as Qdrant does.
    pub score_threshold: Option<f32>,
    /// Most results (default 10). In a collection with several shards,
    /// each shard runs the whole query on its own points, so this limit
    /// holds per shard: up to `limit × shards` candidates reach the outer
    /// query, which then keeps its own limit.
    pub limit: Option<u64>,
    /// Where to take the vectors of ids in the query.
    pub lookup_from: Option<LookupLocation>,
}

impl Prefetch {
    /// A prefetch with this query.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Fusion, Prefetch, Query, SparseVector};
    ///
    /// // Dense and sparse candidates, fused by rank.
    /// let hits = client
    ///     .query_points("hybrid", Query::fusion(Fusion::Rrf))
    ///     .prefetch(Prefetch::new(vec![0.9, 0.1, 0.1, 0.5]).using("dense").limit(20))
    ///     .prefetch(Prefetch::new(SparseVector::new([3, 17], [0.5, 0.2])).using("keywords").limit(20))
    ///     .limit(10)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn new(query: impl Into<Query>) -> Self {
        Prefetch {
            query: Some(query.into()),
            ..Default::default()
        }
    }

    /// A prefetch without a query of its own, over nested prefetches.
    ///
    /// ```
    /// use qdrant_async::{Prefetch, Query};
    ///
    /// // Rescore 100 candidates by a larger vector, then take the best 10.
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).using("large").limit(10).prefetch(
    ///     Prefetch::new(vec![0.1, 0.2]).using("small").limit(100),
    /// );
    /// let all_levels = Prefetch::nested([prefetch]);
    /// ```
    pub fn nested(prefetch: impl IntoIterator<Item = Prefetch>) -> Self {
        Prefetch {
            prefetch: prefetch.into_iter().collect(),
            ..Default::default()
        }
    }

    /// Adds a nested prefetch.
    ///
    /// ```
    /// use qdrant_async::Prefetch;
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4])
    ///     .using("large")
    ///     .prefetch(Prefetch::new(vec![0.1, 0.2]).using("small").limit(100));
    /// ```
    pub fn prefetch(mut self, prefetch: Prefetch) -> Self {
        self.prefetch.push(prefetch);
        self
    }

    /// Searches this named vector.
    ///
    /// ```
    /// use qdrant_async::Prefetch;
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).using("image");
    /// ```
    pub fn using(mut self, vector_name: impl Into<String>) -> Self {
        self.using = Some(vector_name.into());
        self
    }

    /// Only points matching this filter.
    ///
    /// ```
    /// use qdrant_async::{Condition, Filter, Prefetch};
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).filter(Filter::must([Condition::matches("color", "red")]));
    /// ```
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Search parameters.
    ///
    /// ```
    /// use qdrant_async::{Prefetch, SearchParams};
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).params(SearchParams::new().hnsw_ef(128));
    /// ```
    pub fn params(mut self, params: SearchParams) -> Self {
        self.params = Some(params);
        self
    }

    /// Only results scoring strictly better than this (for Euclid and
    /// Manhattan: strictly below this distance); fusion and formula scores
    /// equal to it are kept, as Qdrant does.
    ///
    /// ```
    /// use qdrant_async::Prefetch;
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).score_threshold(0.7);
    /// ```
    pub fn score_threshold(mut self, threshold: f32) -> Self {
        self.score_threshold = Some(threshold);
        self
    }

    /// Most results; per shard when the collection has several (see
    /// [`Prefetch::limit`](Prefetch#structfield.limit)).
    ///
    /// ```
    /// use qdrant_async::Prefetch;
    ///
    /// let prefetch = Prefetch::new(vec![0.1, 0.2, 0.3, 0.4]).limit(50);
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Where to take the vectors of ids in the query.
    ///
    /// ```
    /// use qdrant_async::{LookupLocation, Prefetch, Query};
    ///
    /// let prefetch = Prefetch::new(Query::recommend([10], Vec::<u64>::new())).lookup_from(LookupLocation::new("catalog"));
    /// ```
    pub fn lookup_from(mut self, location: impl Into<LookupLocation>) -> Self {
        self.lookup_from = Some(location.into());
        self
    }

    pub(crate) fn check(&self, argument: &str) -> Result<()> {
        if let Some(query) = &self.query {
            query.check(&format!("{argument}.query"))?;
        }
        self.prefetch
            .iter()
            .enumerate()
            .try_for_each(|(i, p)| p.check(&format!("{argument}.prefetch[{i}]")))
    }
}

impl From<Prefetch> for proto::PrefetchQuery {
    fn from(p: Prefetch) -> Self {
        proto::PrefetchQuery {
            prefetch: p.prefetch.into_iter().map(Into::into).collect(),
            query: p.query.map(Into::into),
            using: p.using,
            filter: p.filter.map(Into::into),
            params: p.params.map(Into::into),
            score_threshold: p.score_threshold,
            limit: p.limit,
            lookup_from: p.lookup_from.map(Into::into),
        }
    }
}

impl<T: Into<Query>> From<T> for Prefetch {
    fn from(query: T) -> Self {
        Prefetch::new(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_and_ids_become_nearest_queries() {
        let q: proto::Query = Query::from([0.5f32, 1.0]).into();
        assert!(matches!(q.variant, Some(proto::query::Variant::Nearest(_))));
        let q: proto::Query = Query::from(7u64).into();
        let Some(proto::query::Variant::Nearest(input)) = q.variant else {
            panic!("nearest")
        };
        assert!(matches!(input.variant, Some(proto::vector_input::Variant::Id(_))));
    }

    #[test]
    fn bad_inputs_are_named() {
        let err = Query::recommend([vec![f32::NAN]], Vec::<u64>::new())
            .check("query")
            .unwrap_err();
        assert!(err.to_string().contains("query"), "{err}");
        let err = Prefetch::new(Query::nearest("nope"))
            .check("prefetch[0]")
            .unwrap_err();
        assert!(err.to_string().contains("prefetch[0].query"), "{err}");
    }
}

#[cfg(test)]
mod quantization_search_params_tests {
    use super::*;

    #[test]
    fn quantization_search_params_round_trip() {
        let p = proto::QuantizationSearchParams {
            ignore: Some(false),
            rescore: Some(true),
            oversampling: Some(2.0),
        };
        let d = QuantizationSearchParams::from(p);
        assert_eq!(proto::QuantizationSearchParams::from(d.clone()), p);
        assert_eq!(
            QuantizationSearchParams::from(proto::QuantizationSearchParams::from(d.clone())),
            d
        );
        let sent = proto::SearchParams::from(SearchParams::new().quantization(d));
        assert_eq!(sent.quantization, Some(p));
    }
}
