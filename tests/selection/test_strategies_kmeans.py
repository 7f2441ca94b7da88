"""The K-Means-based strategies of the registry: ``medoids`` (one medoid per cluster of a k = budget K-Means,
largest cluster first) and ``stratified`` (random within the pipeline's clusters, in proportion to size)."""

from __future__ import annotations

import numpy as np

from selector.selection.strategies import STRATEGIES


def _blobs(sizes: list[int], d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Well separated unit-vector blobs of the given sizes; returns ``(X, blob label per row)``."""
    rng = np.random.default_rng(seed)
    centres = np.eye(d, dtype=np.float32)[: len(sizes)]
    rows, labels = [], []
    for b, n in enumerate(sizes):
        rows.append(centres[b] + 0.05 * rng.normal(size=(n, d)).astype(np.float32))
        labels += [b] * n
    X = np.concatenate(rows)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.asarray(labels)


def test_medoids_takes_one_central_member_per_blob_largest_first():
    X, blob = _blobs([40, 10, 25])
    res = STRATEGIES["medoids"](X, 3, seed=0)
    picks = res.indices.tolist()
    assert [int(blob[p]) for p in picks] == [0, 2, 1]  # one per blob, in decreasing blob size
    for p in picks:
        members = np.flatnonzero(blob == blob[p])
        centre = X[members].mean(axis=0)
        assert p == members[np.argmax(X[members] @ centre)]  # the member nearest the blob's centroid


def test_stratified_follows_the_given_clusters_in_proportion():
    X, _ = _blobs([30, 30, 30])
    labels = np.repeat([0, 1], [60, 30])  # given labels, not the blobs: the strategy must use these
    picks = STRATEGIES["stratified"](X, 9, seed=3, clusters=labels).indices
    assert np.bincount(labels[picks], minlength=2).tolist() == [6, 3]
    again = STRATEGIES["stratified"](X, 9, seed=3, clusters=labels).indices
    other = STRATEGIES["stratified"](X, 9, seed=4, clusters=labels).indices
    assert again.tolist() == picks.tolist() and set(other.tolist()) != set(picks.tolist())


def test_stratified_labels_are_those_of_the_candidates():
    X, _ = _blobs([20, 20])
    labels = np.repeat([0, 1], 20)
    eligible = np.zeros(40, dtype=bool)
    eligible[10:] = True  # 10 candidates in cluster 0, 20 in cluster 1
    picks = STRATEGIES["stratified"](X, 6, seed=0, clusters=labels, eligible=eligible).indices
    assert eligible[picks].all() and np.bincount(labels[picks], minlength=2).tolist() == [2, 4]


def test_medoids_reuse_the_pipeline_labels_only_when_their_count_is_the_budget():
    from selector.selection.centres import cluster_medoids

    X, blob = _blobs([30, 30])
    labels = np.arange(60) % 2  # two "clusters" that each span both blobs: no K-Means would find them
    reused = STRATEGIES["medoids"](X, 2, seed=0, clusters=labels).indices
    assert sorted(reused.tolist()) == sorted(cluster_medoids(X, labels).tolist())
    own = STRATEGIES["medoids"](X, 2, seed=0, clusters=np.arange(60) % 3).indices  # 3 labels: its own K-Means
    assert sorted(int(blob[p]) for p in own) == [0, 1]


def test_typical_seeds_reuse_the_pipeline_labels_when_their_count_matches():
    from selector.selection.typical import typical_seeds, typicality

    X, blob = _blobs([30, 30])
    halves = np.repeat([0, 1], [40, 20])  # blob 0 and a third of blob 1, then the rest of blob 1
    expected = []
    for c in (0, 1):  # the larger given cluster first, each one's most typical member
        rows = np.flatnonzero(halves == c)
        expected.append(int(rows[np.argmax(typicality(X[rows]))]))
    assert typical_seeds(X, 2, seed=0, clusters=halves).tolist() == expected
    assert sorted(int(blob[s]) for s in typical_seeds(X, 2, seed=0, clusters=np.arange(60) % 3)) == [0, 1]
