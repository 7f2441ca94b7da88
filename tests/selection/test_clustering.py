"""Spherical faiss K-Means: determinism, default k, edge sizes, stats."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from selector.errors import SelectorError
from selector.selection.clustering import default_k, kmeans


def blobs(n_per=100, k=5, d=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d))
    X = np.repeat(centres, n_per, axis=0) + 0.05 * rng.standard_normal((k * n_per, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), np.repeat(np.arange(k), n_per)


def test_recovers_separated_blobs_and_is_deterministic():
    X, truth = blobs(k=2)
    a = kmeans(X, 2, seed=3)
    b = kmeans(X, 2, seed=3)
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.centroids, b.centroids)
    pairs = {(t, c) for t, c in zip(truth.tolist(), a.labels.tolist(), strict=True)}
    assert len(pairs) == 2  # each blob is one cluster
    assert np.allclose(np.linalg.norm(a.centroids, axis=1), 1, atol=1e-5)
    assert a.stats["cluster_sizes"] == [100, 100]
    assert a.stats["train_size"] == 200 and a.stats["mean_cosine"] > 0.9


def test_labels_are_the_nearest_centroid():
    X, _ = blobs(k=7, d=8, seed=1)
    res = kmeans(X, 7, seed=0)
    assert np.array_equal(res.labels, np.argmax(X @ res.centroids.T, axis=1))
    assert sum(res.stats["cluster_sizes"]) == len(X)


def test_training_subsample_is_reported():
    X, _ = blobs(n_per=400)
    res = kmeans(X, 5, max_points_per_centroid=40)
    assert res.stats["train_size"] == 200


def test_default_k():
    assert default_k(2000) == 32
    assert default_k(1) == 1
    assert default_k(10**8) == 1000
    X, _ = blobs(n_per=40)  # 200 points -> k = 10
    assert kmeans(X).stats["k"] == 10


def test_k_larger_than_n_is_lowered(caplog):
    X, _ = blobs(n_per=2, k=3)
    with caplog.at_level(logging.WARNING):
        res = kmeans(X, 50)
    assert res.stats["k"] == 6 and len(res.centroids) == 6
    assert "k=6" in caplog.text


def test_empty_input_is_a_clear_error():
    with pytest.raises(SelectorError, match="0 embeddings"):
        kmeans(np.zeros((0, 8), np.float32), 2)
    with pytest.raises(SelectorError, match="positive integer"):
        kmeans(blobs()[0], 0)
