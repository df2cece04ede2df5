#!/usr/bin/env python3
"""Per-fork means of KernelBenchmark output: median new vs factor-form time and their ratio.

Usage: python3 benchmarks/python/jmh_fork_ratios.py JMH_OUTPUT.txt...
"""
import re,sys,statistics as st,collections
runs=collections.defaultdict(list)
for path in sys.argv[1:]:
    bench=param=None; cur=None
    for line in open(path):
        m=re.match(r'# Benchmark: \S+\.(\w+)$',line.strip())
        if m: bench=m.group(1)
        m=re.match(r'# Parameters: \(floats = (\d+)\)',line.strip())
        if m: param=int(m.group(1))
        if line.startswith('# Fork:'):
            cur=[]; runs[(bench,param)].append(cur)
        m=re.match(r'Iteration\s+\d+: ([\d.]+) ns/op',line.strip())
        if m and cur is not None: cur.append(float(m.group(1)))
def forkmeans(k): return [st.mean(f) for f in runs[k] if f]
for p in sorted({k[1] for k in runs}):
    new=forkmeans(('sgdWithDecay',p)); old=forkmeans(('sgdWithDecayFactorForm',p))
    if not new or not old: continue
    r=st.median(old)/st.median(new)
    # pairwise fork ratios (fork i of old vs fork i of new)
    pr=[o/n for o,n in zip(old,new)]
    print(f"{p:>9} new median {st.median(new):12.0f} [{min(new):.0f}-{max(new):.0f}] old median {st.median(old):12.0f} [{min(old):.0f}-{max(old):.0f}] ratio of medians {r:.3f}; fork-pair ratios min {min(pr):.2f} max {max(pr):.2f} (n={len(pr)})")
