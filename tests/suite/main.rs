//! One integration-test binary (each extra one would link Bevy again).
//!
//! - `queueing`: the engine against queueing theory (M/M/1, M/M/c, M/M/1/K,
//!   Jackson tandem, Little's law, M/D/1 on a bandwidth-limited wire).
//! - `batching`: consumer batching against its throughput formula; linger bounds the wait; nothing lost.
//! - `behaviour`: node kinds, policies and flows do what they claim.
//! - `chaos`: every fault type has the effect a practitioner expects.
//! - `hedging`: hedged requests against order statistics; the pair's rules; the books balance.
//! - `kinds`: the catalogue kinds (gateway, serverless, autoscaling, shards,
//!   streams, fan-out, polling, long polling, websockets, devices, inboxes,
//!   replicas, pub/sub, dead letters, coalescing, CDN, DNS) and request types.
//! - `layers`: no module imports one above it (sim is the bottom).
//! - `marathon`: random sequences of edits, faults, undo and redo; conservation, undo-all, save/load.
//! - `lessons`: each lesson step meets its checkpoint; the design before it does not.
//! - `levels`: every level holds what it claims on every seed; the rules of a design.
//! - `poison`: poison messages: stalled partitions without a cap, dead letters with one.
//! - `quorum`: the leaderless quorum store against probability (stale reads, failed writes).
//! - `replay`: recorded runs replay bit for bit; seeking, playback and forks are exact.
//! - `robustness`: hostile inputs get clear errors (endless files, faults past the clock, escape codes).
//! - `saves`: a save killed at random moments leaves the old file or the new.
//! - `scenarios`: file loading, error messages, round trips, shipped files.
//! - `staleness`: stale cache hits against Poisson writes; invalidation and write-through.
//! - `soak` (ignored by default): every scenario for long with the chaos monkey; memory flat.
//! - `share`: share links round-trip every shipped scenario; bad links are refused.
//! - `sweep`: what-if sweeps: parameters by name, grids, threads and slices, M/M/c point by point.
//! - `determinism`: same input, same bits; tick size does not matter.
//! - `fuzz`: extreme values in every field of every kind, damaged files: errors or valid runs.
//! - `golden`: every bundled scenario and every fault, hashed bit for bit.
//! - `props`: property tests of every input surface (scenario files, share links,
//!   replays, `--chaos` phrases, lessons, concepts, levels): located errors or valid runs.

mod batching;
mod behaviour;
mod chaos;
mod concepts;
mod determinism;
mod fidelity;
mod fuzz;
mod golden;
mod hedging;
mod helpers;
mod idempotency;
mod insights;
mod kinds;
mod layers;
mod lessons;
mod levels;
mod marathon;
mod outliers;
mod patterns;
mod poison;
mod props;
mod queueing;
mod quorum;
mod repeat;
mod replay;
mod replication;
mod robustness;
mod saves;
mod scenarios;
mod share;
mod soak;
mod staleness;
mod sweep;

mod tidy;
mod view_structure;
