"""The web3tier benchmark (scenarios/bench/web3tier.ron) written for SimPy,
the reference point `systemdecoder bench` compares itself with when Python
and SimPy are installed (`pip install simpy`).

Same model: Poisson arrivals -> 2 ms -> round-robin load balancer -> 1 ms ->
one of N app services (8 workers each, Exp(1 ms)) -> with probability 0.3 a
database call over 1 ms (pool of 16 per 4 apps, Exp(2 ms)) and back ->
1 ms -> 2 ms back to the user. Calls do not block: the app's worker is free
once its own service is done. Load balancer service time is zero, as in the
scenario.

Usage: python3 web3tier_simpy.py [--seconds S] [--rate R] [--apps N]
Prints one JSON line: requests finished, wall seconds, requests per wall
second and the mean latency in ms (a check that both models agree).
"""

import argparse
import json
import random
import time

import simpy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=20000.0)
    ap.add_argument("--apps", type=int, default=4)
    args = ap.parse_args()

    rng = random.Random(1)
    env = simpy.Environment()
    apps = [simpy.Resource(env, capacity=8) for _ in range(args.apps)]
    db = simpy.Resource(env, capacity=round(16 * args.rate / 20000.0))
    done = [0, 0.0]
    rr = [0]

    def request():
        start = env.now
        yield env.timeout(0.002)
        app = apps[rr[0] % len(apps)]
        rr[0] += 1
        yield env.timeout(0.001)
        with app.request() as worker:
            yield worker
            yield env.timeout(rng.expovariate(1000.0))
        if rng.random() < 0.3:
            yield env.timeout(0.001)
            with db.request() as conn:
                yield conn
                yield env.timeout(rng.expovariate(500.0))
            yield env.timeout(0.001)
        yield env.timeout(0.003)
        done[0] += 1
        done[1] += env.now - start

    def users():
        while True:
            yield env.timeout(rng.expovariate(args.rate))
            env.process(request())

    env.process(users())
    t0 = time.perf_counter()
    env.run(until=args.seconds)
    wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "requests": done[0],
                "wall_seconds": wall,
                "requests_per_wall_second": done[0] / wall,
                "mean_latency_ms": 1000.0 * done[1] / max(done[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
