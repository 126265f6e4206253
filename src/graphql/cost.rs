//! What lists cost, for the `complexity` attributes of list and connection
//! fields (see `GRAPHQL_MAX_COST`): the page size times the cost of what is
//! selected for each item, so `first: 100` costs a hundred times `first: 1`.

/// The page size assumed when none is given (the lists' default).
pub const DEFAULT_PAGE: usize = 20;

/// Assumed items of a list with no page arguments (an order's lines, events,
/// messages, ...): they are usually few, but not free.
pub const NESTED_LIST: usize = 10;

/// A paged list: `first`, `last` or `perPage` (whichever is given, else the
/// default) times the selection, plus the field itself. Out-of-range sizes
/// are refused by the resolver; here they count as the most that could be
/// asked, so the cost check never lets one through cheaply.
pub fn page(sizes: &[Option<i32>], child: usize) -> usize {
    let size = sizes
        .iter()
        .flatten()
        .map(|n| usize::try_from(*n).unwrap_or(0))
        .max()
        .unwrap_or(DEFAULT_PAGE)
        .max(1);
    size.saturating_mul(child).saturating_add(1)
}

/// A list without page arguments.
pub fn nested(child: usize) -> usize {
    NESTED_LIST.saturating_mul(child).saturating_add(1)
}

/// A list of exactly `n` items (`nodes(ids:)`).
pub fn exactly(n: usize, child: usize) -> usize {
    n.max(1).saturating_mul(child).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_multiplies_the_selection() {
        assert_eq!(page(&[Some(100)], 3), 301);
        assert_eq!(page(&[None, None], 3), 61);
        assert_eq!(page(&[Some(1)], 3), 4);
        assert_eq!(page(&[Some(-5)], 3), 4);
        assert_eq!(page(&[Some(i32::MAX)], usize::MAX), usize::MAX);
    }
}
