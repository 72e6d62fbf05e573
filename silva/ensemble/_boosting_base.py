"""The boosting loop shared by the boosters: bin once, then per round gradients -> trees -> scores.

Estimators only configure it (loss, grower parameters); the engine does the work.
"""
import time

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._dtypes import G_H_DTYPE, INDEX_DTYPE
from .._params import storable_cat_encoding, storable_class_weight, validate_params, with_added_param_defaults
from .._schema import Schema
from .._threads import numba_threads, resolve_n_jobs
from .._validation import check_eval_set, check_fit_X_y, check_predict_X, check_weights
from ..data import BinMapper
from .._engine.constraints import (InteractionConstraints, enforce_tree_monotone, resolve_monotonic_cst,
                                   storable_constraints)
from .._engine.grower import TreeGrower
from .._engine.predict import add_leaf_values, forest_add_binned, forest_predict_raw, staged_raw
from .._engine.routing import bitset_words
from .._engine.tree import Categories, Forest
from ..metrics import predictions, resolve_metrics
from ._categorical import check_encodings, encode_categoricals, ordered_features
from ._explain import boosting_explained, explain
from ._boost_inputs import (checked_callbacks, checked_history, eval_margins, eval_weights, margin_of,
                           metric_items, storable_eval_metric)
from ._imbalance import class_weighted
from ._linear import boost_linear, check_linear_input, checked_linear, linear_explain, linear_scores
from ._sampling import Dart, goss_rows
from ._resume import (adopt_category_maps, adopt_input, check_classes, fitted_rounds, joined_categories,
                      old_trees, widened)
from ._tree_data import TreeDataMixin

_MODEL_STATE_FIELDS = ("n_features_in_", "n_iter_", "best_iteration_", "evals_result_")
_STATE_KEYS = {"params", "custom_objective", "forest", "baseline", "n_outputs", "schema", *_MODEL_STATE_FIELDS}
_MAX_FEATURES = np.iinfo(np.int32).max  # feature indices are int32 in the node table


class BaseBoost(TreeDataMixin, BaseEstimator):
    """Regularised second-order histogram boosting; subclasses pick the loss and the output."""

    _is_classifier = False
    _multi_output = False  # whether y may be 2-D (one column per output)
    # Optional hook fn(iteration, n_estimators, history) called after every round (the command line's
    # progress bar); set on an instance, never a parameter.
    _iteration_callback = None

    def __init__(self, *, n_estimators=100, learning_rate=0.1, max_depth=6, max_leaves=None,
                 grow_policy="depthwise", min_child_weight=1.0, min_samples_leaf=1, reg_lambda=1.0,
                 reg_alpha=0.0, gamma=0.0, subsample=1.0, colsample_bytree=1.0, colsample_bynode=1.0,
                 booster="gbtree", data_sample_strategy="bagging", top_rate=0.2, other_rate=0.1, rate_drop=0.0,
                 skip_drop=0.0, normalize_type="tree", sample_type="uniform", one_drop=False, max_bin=255, objective=None, eval_metric=None, n_iter_no_change=None,
                 validation_fraction=None, tol=1e-7,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_smooth=10.0,
                 cat_l2=10.0, min_data_per_group=100,
                 max_cat_threshold=32, cat_code_order="auto", monotonic_cst=None, interaction_cst=None,
                 max_delta_step=None, base_score=None, random_state=None, n_jobs=None, verbose=0,
                 warm_start=False, scale_pos_weight=1.0, updater="shotgun", feature_selector="cyclic"):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.grow_policy = grow_policy
        self.min_child_weight = min_child_weight
        self.min_samples_leaf = min_samples_leaf
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.colsample_bynode = colsample_bynode
        self.booster = booster
        self.data_sample_strategy = data_sample_strategy
        self.top_rate = top_rate
        self.other_rate = other_rate
        self.rate_drop = rate_drop
        self.skip_drop = skip_drop
        self.normalize_type = normalize_type
        self.sample_type = sample_type
        self.one_drop = one_drop
        self.max_bin = max_bin
        self.objective = objective
        self.eval_metric = eval_metric
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.categorical_features = categorical_features
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.cat_smooth = cat_smooth
        self.cat_l2 = cat_l2
        self.cat_code_order = cat_code_order
        self.min_data_per_group = min_data_per_group
        self.max_cat_threshold = max_cat_threshold
        self.monotonic_cst = monotonic_cst
        self.interaction_cst = interaction_cst
        self.max_delta_step = max_delta_step
        self.base_score = base_score
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.warm_start = warm_start
        self.scale_pos_weight = scale_pos_weight
        self.updater = updater
        self.feature_selector = feature_selector

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True  # densified below 2 GiB (silva/_schema.py)
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, eval_set=None, eval_sample_weight=None, callbacks=None,
            init_score=None, eval_init_score=None, base_margin=None, init_model=None):
        """Fit on (X, y).

        ``eval_set``: a list of (X, y) pairs scored every round with ``eval_metric`` into
        ``evals_result_`` (sets "validation_0", "validation_1", ...). With ``n_iter_no_change`` the
        last metric on the last set decides early stopping (XGBoost's rule); without an eval_set a
        held-out ``validation_fraction`` of (X, y), weights included, is that set ("validation").

        ``eval_sample_weight``: a list aligned with ``eval_set``, each entry None or one weight per row
        of that set; every metric of that set is weighted by it.

        ``callbacks``: callables ``cb(iteration, evals_result)`` run after every round (iteration
        from 0; evals_result: the ``evals_result_`` so far). One returning True stops training after
        that round: the model keeps every round grown, or the best one when early stopping is on.
        Callbacks are not parameters and are not stored in the model file.

        ``init_score`` (XGBoost's ``base_margin``, either name): a raw score per row, shape (n,) or
        (n, n_outputs), that the trees start from instead of ``base_score`` (the model's own start is
        then 0: pass the same margins to ``predict(..., init_score=...)``). ``eval_init_score``: one
        per eval set (None entries allowed).

        ``init_model``: a fitted model of this class, or the path of its model file, whose trees the
        fit continues (``n_estimators`` rounds are added; XGBoost's ``xgb_model``, LightGBM's
        ``init_model``). With ``warm_start=True`` a refit continues the estimator's own trees up to
        ``n_estimators`` rounds in all. Either needs the same features (and classes); the model's
        baseline, category codes and bins are kept (silva/ensemble/_resume.py).
        """
        validate_params(self)
        linear = self._booster() == "gblinear"
        if linear and (init_model is not None or self.warm_start):
            raise ValueError("booster='gblinear' does not continue a fit (init_model, warm_start): refit it")
        previous = None if linear else fitted_rounds(self, init_model)
        if previous is not None and previous.warm:
            if self.n_estimators < previous.n_iter:
                raise ValueError(f"n_estimators={self.n_estimators} must be larger or equal to n_iter_="
                                 f"{previous.n_iter} when warm_start==True")
            if self.n_estimators == previous.n_iter:
                return self  # all rounds fitted already (scikit-learn's HistGradientBoosting)
        X_in = X
        X, y = check_fit_X_y(self, X, y, classifier=self._is_classifier, multi_output=self._multi_output)
        if previous is not None:
            X = adopt_input(self, previous, X_in, X)
        sw = check_weights(sample_weight, X)
        y = self._encode_y(y)
        if previous is not None:
            check_classes(self, previous)
        sw = class_weighted(self, y, sw)
        loss = self._make_loss()
        loss.check_target(y)
        K = loss.n_outputs(getattr(self, "n_classes_", None))
        margin = margin_of(init_score, base_margin, X.shape[0], K, "init_score")
        task = getattr(self, "_task", None) or (
            "regression" if not self._is_classifier else "binary" if self.n_classes_ == 2 else "multiclass")
        metrics = resolve_metrics(self.eval_metric, loss, task)
        pairs = check_eval_set(eval_set)
        weights = eval_weights(eval_sample_weight, len(pairs))
        margins = eval_margins(eval_init_score, len(pairs))
        evals = []
        for i, ((Xv, yv), wv, mv) in enumerate(zip(pairs, weights, margins)):
            Xv = check_predict_X(self, Xv)
            yv = self._encode_eval_y(i, yv)
            loss.check_target(yv, f"eval_set[{i}]'s y")
            evals.append((f"validation_{i}", Xv, yv, check_weights(wv, Xv),
                          margin_of(mv, None, Xv.shape[0], K, f"eval_init_score[{i}]")))
        callbacks = checked_callbacks(callbacks)
        rng = check_random_state(self.random_state)
        if previous is not None and previous.rng_states is not None:
            rng = np.random.RandomState()
            rng.set_state(previous.rng_states[0])  # the draws before the rounds repeat the first fit's
        start_state = rng.get_state()
        early = self.n_iter_no_change is not None
        if getattr(self, "data_sample_strategy", "bagging") == "goss" and (
                self.top_rate + self.other_rate > 1 or self.subsample < 1):
            raise ValueError("data_sample_strategy='goss' samples rows itself: it needs top_rate + other_rate <= 1 "
                             f"(got {self.top_rate} + {self.other_rate}) and subsample=1 (got {self.subsample})")
        if early and self._booster() == "dart":
            raise ValueError("booster='dart' rescales earlier rounds as it goes, so no round is a model to stop "
                             "at: early stopping (n_iter_no_change) is not available with DART (as LightGBM)")
        if early and not evals:
            X, y, sw, margin, Xv, yv, swv, mv = self._hold_out(X, y, sw, margin, rng)
            evals = [("validation", Xv, yv, swv, mv)]
        self._custom_eval_metric = any(callable(m) for m in metric_items(self.eval_metric))
        if linear:
            check_linear_input(self, X.shape[1])
            self.__dict__.pop("_forest", None)
            boost_linear(self, X, y, sw, margin, loss, evals, rng, early, metrics, task, callbacks)
            self._rng_states = (start_state, rng.get_state())
            return self
        self._linear = None
        with numba_threads(self.n_jobs):
            self._boost(X, y, sw, margin, loss, evals, rng, early, metrics, task, callbacks, previous)
        self._rng_states = (start_state, rng.get_state())
        return self

    def _booster(self):
        """"gbtree", "dart" or "gblinear" (GBDT, which has no ``booster``, grows plain trees)."""
        booster = getattr(self, "booster", "gbtree")
        return "gbtree" if booster == "gbdt" else booster

    def _encode_eval_y(self, i, yv):
        """The target of eval set i as the loop reads it (the ranker attaches the set's queries)."""
        return self._encode_y(np.asarray(yv), fitted=True)

    def _hold_out(self, X, y, sw, margin, rng):
        frac = 0.1 if self.validation_fraction is None else self.validation_fraction
        stratify = y if self._is_classifier else None
        seed = rng.randint(np.iinfo(np.int32).max)
        extra = [a for a in (sw, margin) if a is not None]
        parts = train_test_split(X, y, *extra, test_size=frac, stratify=stratify, random_state=seed)
        X_tr, X_v, y_tr, y_v = parts[:4]
        rest = iter(parts[4:])
        sw_tr, sw_v = (None, None) if sw is None else (next(rest), next(rest))
        m_tr, m_v = (None, None) if margin is None else (next(rest), next(rest))
        return X_tr, y_tr, sw_tr, m_tr, X_v, y_v, sw_v, m_v

    def _start_score(self, loss, y, sw, margin):
        """The model's own starting raw score: 0 with per-row margins, else ``base_score`` through the
        loss's link, else the loss's optimum on the target."""
        K = loss.n_outputs(getattr(self, "n_classes_", None))
        if margin is not None:
            return np.zeros(K)
        base_score = getattr(self, "base_score", None)  # GBDT has none
        if base_score is not None:
            return np.full(K, loss.link(base_score))
        return loss.baseline(y, sw)

    def _boost(self, X, y, sw, margin, loss, evals, rng, early, metrics, task, callbacks, previous=None):
        t_start = time.perf_counter()
        n, d = X.shape
        X, categorical = encode_categoricals(self, X, y, sw, rng, getattr(self, "n_classes_", 0),
                                             None if previous is None else previous.schema.target_stats)
        stats = self._schema.target_stats
        if stats is not None:
            evals = [(name, stats.transform(Xv), yv, wv, mv) for name, Xv, yv, wv, mv in evals]
        self._code_order = self._resolve_code_order(categorical)
        # a bin per category, ordered codes too: the code-order scan splits them in order as well
        mapper = BinMapper(self.max_bin, random_state=rng.randint(np.iinfo(np.int32).max),
                           max_cat_bins=self.max_cat_bins)
        mapper.fit(X, sw, categorical=categorical)
        if previous is None:
            categories = Categories.from_mapper(mapper)
        else:
            categories = joined_categories(previous.forest.categories,
                                           adopt_category_maps(mapper, previous.forest.categories))
        Xb = mapper.transform(X)
        eval_binned = [(name, mapper.transform(Xv), yv, wv) for name, Xv, yv, wv, _ in evals]
        t_binning = time.perf_counter() - t_start
        K = loss.n_outputs(getattr(self, "n_classes_", None))
        if previous is None:
            baseline = self._start_score(loss, y, sw, margin)
            raw = np.empty((n, K))
            raw[:] = baseline
            eval_raw = []
            for _, Xbv, _, _ in eval_binned:
                r = np.empty((Xbv.shape[1], K))  # tiles: (n_tiles, n_rows, TILE)
                r[:] = baseline
                eval_raw.append(r)
        else:  # the scores the fitted trees give, summed in tree order as one longer fit sums them
            baseline = previous.baseline
            raw = forest_predict_raw(previous.forest, X, K, baseline)
            eval_raw = [forest_predict_raw(previous.forest, Xv, K, baseline) for _, Xv, _, _, _ in evals]
        if margin is not None:
            raw += margin
        for r, (_, _, _, _, mv) in zip(eval_raw, evals):
            if mv is not None:
                r += mv
        g = np.empty((K, n), dtype=G_H_DTYPE)
        h = np.empty((K, n), dtype=G_H_DTYPE)
        monotonic, interaction = self._constraints(d, mapper.is_categorical_, K)
        grower = TreeGrower(Xb, mapper.n_value_bins_, mapper.missing_bin_, mapper.thresholds_,
                            is_categorical=mapper.is_categorical_, monotonic_cst=monotonic,
                            interaction_cst=interaction, **self._grower_params(n, loss))
        n_rows = n if self.subsample >= 1.0 else max(1, int(self.subsample * n))
        n_cols = d if self.colsample_bytree >= 1.0 else max(1, int(self.colsample_bytree * d))
        all_features = np.arange(d, dtype=np.int64)
        trees, outputs = [], []
        n_old, n_rounds = 0, self.n_estimators
        history = {name: {m.name: [] for m in metrics} for name, _, _, _ in eval_binned}
        stopper = metrics[-1]  # XGBoost's rule: the last metric on the last eval set
        sign = -1.0 if stopper.higher_is_better else 1.0  # scores compared as losses (lower is better)
        best_score, best_iter = np.inf, 0
        stop = False
        if previous is not None:
            trees, outputs = old_trees(previous.forest, categories)
            n_old = previous.n_iter
            n_rounds = self.n_estimators if previous.warm else n_old + self.n_estimators
            if previous.rng_states is not None:
                rng.set_state(previous.rng_states[1])  # the rounds draw on from where the last fit's ended
            if eval_binned:  # the fitted rounds are kept unless a new round scores better
                _, _, yv, wv = eval_binned[-1]
                r = eval_raw[-1]
                best_score = sign * stopper(yv, r if stopper.raw else predictions(loss, r, task), wv)
                best_iter = n_old - 1
        n_words = bitset_words(categories.missing_bin + 1)
        timers = {"binning": t_binning, "gradients": 0.0, "scores": 0.0, "eval": 0.0}
        dart = Dart(self, K, categories, mapper.missing_bin_, trees) if self._booster() == "dart" else None
        goss = getattr(self, "data_sample_strategy", "bagging") == "goss"
        for it in range(n_old, n_rounds):
            t0 = time.perf_counter()
            dropped = minus = None
            if dart is not None:  # the model without the dropped rounds gives this round's gradients
                dropped = dart.drop(rng)
                minus = dart.scores(dropped, Xb)
                eval_minus = [dart.scores(dropped, Xbv) for _, Xbv, _, _ in eval_binned]
            base = raw if minus is None else raw - minus
            loss.gradients(y, base, sw, g, h)
            timers["gradients"] += time.perf_counter() - t0
            rows = None
            if goss:
                if it >= int(1.0 / self.learning_rate):  # LightGBM: every row while the model is young
                    rows = goss_rows(g, h, self.top_rate, self.other_rate, rng)
            elif n_rows < n:
                rows = np.sort(rng.choice(n, n_rows, replace=False)).astype(INDEX_DTYPE)
            round_trees = []
            for k in range(K):
                features = all_features if n_cols == d else np.sort(rng.choice(d, n_cols, replace=False))
                tree, leaf_ids, starts, stops, values = grower.grow(
                    g[k], h[k], None if rows is None else rows.copy(), n if rows is None else rows.size,
                    features, rng)
                grown = values
                values = self._update_leaves(loss, tree, leaf_ids, starts, stops, values, grower.si, y, base,
                                             sw, k)
                if monotonic is not None and values is not grown:
                    # renewed leaf values (GBDT's line searches) were not seen by the grower's bounds
                    enforce_tree_monotone(tree, monotonic, mapper.missing_bin_ - 1)
                    values = tree["values"][leaf_ids, 0]
                round_trees.append(widened(tree, n_words))
                t0 = time.perf_counter()
                if rows is None and dart is None:
                    add_leaf_values(raw[:, k], grower.si, starts, stops, values)
                timers["scores"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            if dart is not None:
                factor, _ = dart.rescale(dropped, round_trees)
                if minus is not None:
                    raw += (factor - 1.0) * minus
                    for r, m in zip(eval_raw, eval_minus):
                        r += (factor - 1.0) * m
            trees.extend(round_trees)
            outputs.extend(range(K))
            round_forest = Forest.from_trees(round_trees, np.arange(K), categories)
            if rows is not None or dart is not None:
                forest_add_binned(round_forest, Xb, mapper.missing_bin_, raw, 0, K)
            for (name, Xbv, yv, wv), r in zip(eval_binned, eval_raw):
                forest_add_binned(round_forest, Xbv, mapper.missing_bin_, r, 0, K)
                pred = None if all(m.raw for m in metrics) else predictions(loss, r, task)
                for m in metrics:
                    history[name][m.name].append(m(yv, r if m.raw else pred, wv))
            timers["eval"] += time.perf_counter() - t0
            if eval_binned:
                score = sign * history[eval_binned[-1][0]][stopper.name][-1]
                if score < best_score - self.tol:
                    best_score, best_iter = score, it
            if self.verbose and (it % self.verbose == 0 or it == n_rounds - 1):
                shown = "  ".join(f"{name}-{m}: {v[-1]:.6f}" for name, hist in history.items()
                                  for m, v in hist.items())
                print(f"[{it}] {shown}  elapsed {time.perf_counter() - t_start:.2f}s", flush=True)
            if self._iteration_callback is not None:
                self._iteration_callback(it, n_rounds, history)
            for cb in callbacks:
                stop = bool(cb(it, history)) or stop
            if stop:
                if self.verbose:
                    print(f"Stopping: a callback asked to stop after round {it}", flush=True)
                break
            if early and it - best_iter >= self.n_iter_no_change:
                if self.verbose:
                    print(f"Stopping: no improvement in {self.n_iter_no_change} rounds; best round "
                          f"{best_iter}, {stopper.name} {sign * best_score:.6f}", flush=True)
                break
        n_iter = best_iter + 1 if early else it + 1
        forest = Forest.from_trees(trees, outputs, categories)
        if forest.n_trees > n_iter * K:
            forest = forest.truncate(n_iter * K)
        self._forest = forest
        self._baseline = baseline
        self._n_outputs = K
        self.n_iter_ = n_iter
        self.best_iteration_ = best_iter if early else None
        self.evals_result_ = history
        if self.verbose:
            phases = {**grower.timers, **timers}
            print("phases (s): " + ", ".join(f"{k} {v:.3f}" for k, v in phases.items())
                  + f"; total {time.perf_counter() - t_start:.3f}", flush=True)

    def _constraints(self, n_features, is_categorical, n_outputs):
        """The fit's monotone constraints (int8 per feature or None) and interaction constraints."""
        names = getattr(self, "feature_names_in_", None)
        monotonic = resolve_monotonic_cst(getattr(self, "monotonic_cst", None), n_features, names,
                                          is_categorical, n_outputs)
        spec = getattr(self, "interaction_cst", None)
        interaction = None if spec is None else InteractionConstraints(spec, n_features, names)
        return monotonic, interaction

    def _resolve_code_order(self, categorical):
        """``cat_code_order="auto"``: code order is used when every feature split by level sets has
        codes that carry an order (integer codes named in ``categorical_features``: IDs given over
        time, ranks; frame columns with ordered or integer levels); never for other frame categories or
        text, whose codes are just their sorted levels."""
        spec = self.cat_code_order
        if spec is True or spec is False:
            return spec
        return bool(categorical) and len(ordered_features(self, categorical)) == len(categorical)

    # ------------------------------------------------------------------ hooks for subclasses
    def _max_delta_step(self, loss):
        """The leaf-value cap: ``max_delta_step`` when set, else the objective's default (Poisson's 0.7,
        as XGBoost, which applies it to the hessian and to the leaves alike)."""
        if self.max_delta_step is not None:
            return self.max_delta_step
        return getattr(loss, "default_max_delta_step", None)

    def _grower_params(self, n_samples, loss):
        """Tree-shape and regularisation parameters of the grower (GBDT maps its own names here)."""
        return dict(max_depth=self.max_depth, max_leaves=self.max_leaves, grow_policy=self.grow_policy,
                    reg_lambda=self.reg_lambda, reg_alpha=self.reg_alpha, gamma=self.gamma,
                    min_child_weight=self.min_child_weight, min_samples_leaf=self.min_samples_leaf,
                    learning_rate=self.learning_rate, colsample_bynode=self.colsample_bynode,
                    cat_smooth=self.cat_smooth, cat_l2=self.cat_l2, min_data_per_group=self.min_data_per_group,
                    max_cat_threshold=self.max_cat_threshold, cat_code_order=self._code_order,
                    max_delta_step=self._max_delta_step(loss))

    def _update_leaves(self, loss, tree, leaf_ids, starts, stops, values, sample_indices, y, raw, sw, k):
        """Leaf values of a fresh tree (rows of leaf j: ``sample_indices[starts[j]:stops[j]]``).

        Second-order boosting keeps the Newton values the grower computed, except for losses whose
        Newton step is not their optimum (absolute error, quantiles: the leaf's median or quantile of
        the residuals, as LightGBM renews them; ``max_delta_step`` caps them again). Friedman's GBDT
        replaces them by a per-leaf line search. Writes ``tree["values"][leaf_ids, 0]`` and returns
        the values.
        """
        if not loss.renews_leaves:
            return values
        values = loss.renew(y, raw, sw, k, sample_indices, starts, stops) * self.learning_rate
        step = self._max_delta_step(loss)
        if step:
            values = np.clip(values, -step * self.learning_rate, step * self.learning_rate)
        tree["values"][leaf_ids, 0] = values
        return values

    # ------------------------------------------------------------------ predict
    def _is_linear(self):
        return getattr(self, "_linear", None) is not None

    def _no_trees(self, what):
        if self._is_linear():
            raise ValueError(f"a linear booster has no trees: {what} needs booster='gbtree' or 'dart' "
                             "(the linear model is coef_ and intercept_)")

    def _linear_range(self, iteration_range):
        """A linear model keeps only its final coefficients: every round or none."""
        if iteration_range is None or (isinstance(iteration_range, (tuple, list))
                                       and tuple(iteration_range) in ((0, 0), (0, self.n_iter_))):
            return
        raise ValueError(f"booster='gblinear' keeps only the coefficients after the last round kept: "
                         f"iteration_range must be None, (0, 0) or (0, {self.n_iter_}), got {iteration_range!r}")

    @property
    def coef_(self):
        """gblinear: the weights, shape (n_features,), or (n_features, n_outputs) for several outputs
        (XGBoost's layout)."""
        if not self._is_linear():
            raise AttributeError("coef_ is defined only for booster='gblinear'")
        coef = self._linear[0]
        return coef[:, 0].copy() if coef.shape[1] == 1 else coef.copy()

    @property
    def intercept_(self):
        """gblinear: the whole constant term per output, shape (n_outputs,): the starting score
        (``base_score`` or the loss's optimum) plus the learnt bias, so raw = intercept_ + X @ coef_.
        XGBoost's ``intercept_`` leaves out its ``base_score``."""
        if not self._is_linear():
            raise AttributeError("intercept_ is defined only for booster='gblinear'")
        return self._baseline + self._linear[1]

    def apply(self, X):
        self._no_trees("apply")
        return super().apply(X)

    def trees_to_dataframe(self):
        self._no_trees("trees_to_dataframe")
        return super().trees_to_dataframe()

    def dump_model(self):
        self._no_trees("dump_model")
        return super().dump_model()

    def to_onnx(self):
        self._no_trees("to_onnx")
        return super().to_onnx()

    def _raw_predict(self, X, iteration_range=None, init_score=None, base_margin=None):
        if self._is_linear():
            X = check_predict_X(self, X)
            margin = margin_of(init_score, base_margin, X.shape[0], self._n_outputs, "init_score")
            self._linear_range(iteration_range)
            coef, bias = self._linear
            with numba_threads(self.n_jobs):
                raw = linear_scores(np.asarray(X, dtype=np.float64), coef, bias, self._baseline)
            return raw if margin is None else raw + margin
        check_is_fitted(self, "_forest")
        X = check_predict_X(self, X)
        margin = margin_of(init_score, base_margin, X.shape[0], self._n_outputs, "init_score")
        begin, end = self._tree_range(iteration_range)
        with numba_threads(self.n_jobs):
            raw = forest_predict_raw(self._forest, X, self._n_outputs, self._baseline, end, begin)
        return raw if margin is None else raw + margin

    def _explain(self, X, kind, iteration_range, init_score, base_margin, squeeze):
        """TreeSHAP values (or interaction values) of the raw scores of rounds ``iteration_range``.

        gblinear: the exact terms coef * x (missing x as 0; not centred, as XGBoost's) with the intercept
        as the bias column; its interaction values hold them on the diagonal (a sum has no
        interactions)."""
        if self._is_linear():
            X = check_predict_X(self, X)
            margin = margin_of(init_score, base_margin, X.shape[0], self._n_outputs, "init_score")
            self._linear_range(iteration_range)
            return linear_explain(self, X, kind, margin, squeeze)
        check_is_fitted(self, "_forest")
        X = check_predict_X(self, X)
        margin = margin_of(init_score, base_margin, X.shape[0], self._n_outputs, "init_score")
        begin, end = self._tree_range(iteration_range)
        return explain(boosting_explained(self, begin, end), X, kind, self.n_jobs, squeeze, margin)

    def _leaves(self, X, iteration_range=None):
        """``predict(X, pred_leaf=True)``: leaf Node numbers (n, trees of the rounds asked for)."""
        self._no_trees("pred_leaf")
        begin, end = self._tree_range(iteration_range)
        return self.apply(X)[:, begin:end]

    def _tree_range(self, iteration_range):
        """The trees [begin, end) of rounds ``iteration_range=(a, b)``: a..b-1 (XGBoost's meaning; None or
        (0, 0): every round kept). A round holds one tree per output (per class beyond two)."""
        if iteration_range is None:
            return 0, self._forest.n_trees
        try:
            a, b = iteration_range
        except (TypeError, ValueError):
            raise ValueError(f"iteration_range must be a pair (begin, end), got {iteration_range!r}") from None
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (a, b)):
            raise ValueError(f"iteration_range must hold integers, got {iteration_range!r}")
        if (a, b) == (0, 0):
            return 0, self._forest.n_trees
        if not 0 <= a < b <= self.n_iter_:
            raise ValueError(f"iteration_range=({a}, {b}) must satisfy 0 <= begin < end <= n_iter_="
                             f"{self.n_iter_} (the rounds the model kept), or be (0, 0) for all rounds")
        K = self._n_outputs
        return int(a) * K, int(b) * K

    def _staged_raw(self, X):
        """Raw scores after each round kept; the thread count is set only while a round is summed."""
        if self._is_linear():
            raise ValueError("booster='gblinear' keeps only its final coefficients: no staged predictions")
        check_is_fitted(self, "_forest")
        X = check_predict_X(self, X)
        stages = staged_raw(self._forest, X, self._n_outputs, self._baseline, self._n_outputs)
        while True:
            with numba_threads(self.n_jobs):
                raw = next(stages, None)
            if raw is None:
                return
            yield raw

    @property
    def feature_importances_(self):
        """Total split gain per feature, normalised to sum to 1 (zeros for a model without splits).
        gblinear: |coef| summed over the outputs, normalised to sum to 1 (XGBoost divides the signed
        weights by their sum, which is no share)."""
        if self._is_linear():
            weights = np.abs(self._linear[0]).sum(axis=1)
            total = weights.sum()
            return weights / total if total > 0 else weights
        check_is_fitted(self, "_forest")
        gains = self._forest.feature_gains(self.n_features_in_)
        total = gains.sum()
        return gains / total if total > 0 else gains

    def get_importance(self, importance_type="gain", normalize=True):
        """Per-feature importance: "gain" (total split gain, as ``feature_importances_``), "split"
        (number of splits) or "cover" (total hessian of the rows reaching the splits); normalised to
        sum to 1 unless ``normalize=False``."""
        self._no_trees("get_importance (see feature_importances_ and coef_)")
        check_is_fitted(self, "_forest")
        if importance_type not in ("gain", "split", "cover"):
            raise ValueError(f"importance_type must be 'gain', 'split' or 'cover', got {importance_type!r}")
        nodes = self._forest.nodes
        split = nodes["left"] >= 0
        weights = {"gain": nodes["gain"], "cover": nodes["cover"], "split": None}[importance_type]
        values = np.bincount(nodes["feature"][split], None if weights is None else weights[split],
                             minlength=self.n_features_in_).astype(np.float64)
        total = values.sum()
        return values / total if normalize and total > 0 else values

    def save(self, path):
        """Write the fitted model to ``path`` (versioned JSON; read back with ``silva.load``)."""
        from ..io import save
        save(self, path)

    # ------------------------------------------------------------------ model state
    def _get_model_state(self):
        if not self._is_linear():
            check_is_fitted(self, "_forest")
        params = storable_class_weight(storable_cat_encoding(storable_constraints(self.get_params(deep=False))))
        custom = callable(params.get("objective"))  # GBDT has no objective parameter
        if custom:
            params["objective"] = None  # code is never stored; predictions only need the link
        params["eval_metric"] = storable_eval_metric(params["eval_metric"])
        model = ({"linear": {"coef": self._linear[0].copy(), "bias": self._linear[1].copy()}} if self._is_linear()
                 else {"forest": self._forest.to_state()})
        state = {"params": params, "custom_objective": custom, **model,
                 "baseline": np.asarray(self._baseline, dtype=np.float64), "n_outputs": int(self._n_outputs)}
        if getattr(self, "_custom_eval_metric", False):
            # written only when true, so files of models without one are those of older versions
            state["custom_eval_metric"] = True
        for name in _MODEL_STATE_FIELDS:
            state[name] = getattr(self, name)
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = np.asarray(self.feature_names_in_, dtype=str)
        schema = getattr(self, "_schema", None) or Schema(
            self.n_features_in_, feature_names=getattr(self, "feature_names_in_", None))
        state["schema"] = schema.to_state()
        state.update(self._extra_state())
        return state

    @classmethod
    def _from_model_state(cls, state):
        allowed = _STATE_KEYS | {"feature_names_in_", "custom_eval_metric", "linear"} | set(cls._extra_state_keys)
        required = _STATE_KEYS | set(cls._extra_state_keys)
        if isinstance(state, dict) and "linear" in state:  # a gblinear model: coefficients, no trees
            required = required - {"forest"}
            allowed = allowed - {"forest"}
        if not required <= set(state) <= allowed:
            raise ValueError(f"model state fields do not match a {cls.__name__}: missing "
                             f"{sorted(required - set(state))}, unexpected {sorted(set(state) - allowed)}")
        params = with_added_param_defaults(state["params"], cls)
        if not isinstance(params, dict) or set(params) != set(cls().get_params()):
            raise ValueError(f"params do not match the parameters of {cls.__name__}")
        est = cls(**params)
        validate_params(est)
        resolve_n_jobs(est.n_jobs)
        for name in ("n_features_in_", "n_outputs", "n_iter_"):
            if isinstance(state[name], bool) or not isinstance(state[name], int):
                raise ValueError(f"{name} must be an integer")
        n_features = state["n_features_in_"]
        n_outputs = state["n_outputs"]
        if not (1 <= n_features <= _MAX_FEATURES) or n_outputs < 1:
            raise ValueError("model has no features, too many features or no outputs")
        est.n_features_in_ = n_features
        est._n_outputs = n_outputs
        est._restore_extra_state(state)
        baseline = state["baseline"]
        if not isinstance(baseline, np.ndarray) or baseline.dtype != np.float64 \
                or baseline.shape != (n_outputs,) or not np.all(np.isfinite(baseline)):
            raise ValueError("baseline does not match the number of outputs")
        est._baseline = baseline
        est.n_iter_ = state["n_iter_"]
        if "linear" in state:
            if est._booster() != "gblinear":
                raise ValueError("a model with linear coefficients must have booster='gblinear'")
            est._linear = checked_linear(state["linear"], n_features, n_outputs)
            if est.n_iter_ < 1:
                raise ValueError("n_iter_ must be at least 1")
        else:
            if est._booster() == "gblinear":
                raise ValueError("a booster='gblinear' model must hold linear coefficients")
            est._forest = Forest.from_state(state["forest"], n_features, n_outputs)
            if est._forest.n_trees != est.n_iter_ * n_outputs:
                raise ValueError("number of trees does not match n_iter_")
        best = state["best_iteration_"]
        if best is not None and (isinstance(best, bool) or not isinstance(best, int)
                                 or not 0 <= best < est.n_iter_):
            raise ValueError("best_iteration_ must be None or a round of the model")
        est.best_iteration_ = best
        est.evals_result_ = checked_history(state["evals_result_"])
        if state.get("custom_eval_metric", False) is not False:
            if state["custom_eval_metric"] is not True:
                raise ValueError("custom_eval_metric must be true when present")
            est._custom_eval_metric = True
        est._make_loss()  # the objective must be one this estimator knows
        if "feature_names_in_" in state:
            names = np.asarray(state["feature_names_in_"], dtype=object)
            if names.shape != (n_features,):
                raise ValueError("feature_names_in_ does not match n_features_in_")
            est.feature_names_in_ = names
        est._schema = Schema.from_state(state["schema"])
        names = getattr(est, "feature_names_in_", None)
        if est._schema.n_features != n_features or (names is None) != (est._schema.feature_names is None) \
                or (names is not None and list(names) != list(est._schema.feature_names)):
            raise ValueError("schema does not match n_features_in_ / feature_names_in_")
        if est._is_linear():
            if getattr(est._schema, "categorical_features", None) or est._schema.target_stats is not None:
                raise ValueError("a gblinear model has no categorical features")
        else:
            check_encodings(est._schema, est._forest.categories.is_categorical)
        return est

    _extra_state_keys = ()

    def _extra_state(self):
        return {}

    def _restore_extra_state(self, state):
        pass
