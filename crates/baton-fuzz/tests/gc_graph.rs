//! The collector against a safe model (see `baton_fuzz::gc_graph`): seeded random
//! programs of object-graph operations, checked at every collection.

use baton_fuzz::{gc_graph, SplitMix};

#[test]
fn random_object_graphs_survive_collections_exactly() {
    let mut automatic = 0;
    for seed in 0..10u64 {
        // About 2,000 operations each, with enough garbage between them that collections
        // also start by themselves.
        let ops = SplitMix(seed).bytes(12_000);
        let run = gc_graph::check(&ops, 200);
        assert!(run.steps > 1_000 && run.checks > 20, "{run:?}");
        automatic += run.automatic;
    }
    assert!(automatic > 0, "no collection started by itself");
}
