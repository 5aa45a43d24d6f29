#!/usr/bin/env python3
"""Writes a deterministic, realistic aimt data set as CSV files for the benchmarks.

usage: Benchmarks/generate.py OUT_DIR [--videos 14000] [--days 100] [--seed 7]

Files: kols.csv, videos.csv (generic headers) and metrics.csv: one natural row per video
and day, plus a Dou+ row on every ninth day (1.4M rows for the defaults). A video's plays
decay 3% a day for its first 90 days and then stay at that level, so a long history (query.sh
--history) still has traffic in its last windows; up to 90 days the data is unchanged.
Money is yuan text with two decimals, as the exports write it.
"""
import argparse
import datetime
import os
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--videos", type=int, default=14000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    kols = max(1, args.videos // 20)
    with open(os.path.join(args.out, "kols.csv"), "w", newline="") as f:
        f.write("kol_id,name,category,followers,as_of\n")
        for k in range(kols):
            followers = int(10 ** rng.uniform(3.5, 7))
            f.write(f"dy{k:06d},达人{k},beauty,{followers},2026-01-01\n")
    with open(os.path.join(args.out, "videos.csv"), "w", newline="") as f:
        f.write("video_id,kol_id,brand,title,published,chain,ad_review\n")
        for v in range(args.videos):
            f.write(f"v{v:07d},dy{v % kols:06d},品牌{v % 3},视频{v},2026-01-01 20:00,tmall,passed\n")
    start = datetime.date(2026, 1, 1)
    dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(args.days)]
    rows = 0
    with open(os.path.join(args.out, "metrics.csv"), "w", newline="") as f:
        f.write("date,video_id,source,placement_id,impressions,cost,gmv,orders,likes,comments,"
                "shares,follows\n")
        for v in range(args.videos):
            base = int(10 ** rng.uniform(3, 6))
            for d, date in enumerate(dates):
                plays = max(0, int(base * (0.97 ** min(d, 89)) * rng.uniform(0.6, 1.4)))
                gmv = plays * rng.randint(0, 120)
                likes = plays // rng.randint(20, 60)
                f.write(f"{date},v{v:07d},natural,,{plays},0.00,{gmv // 100}.{gmv % 100:02d},"
                        f"{gmv // 9000},{likes},{likes // 12},{likes // 30},{likes // 50}\n")
                rows += 1
                if d % 9 == 1:
                    cost = rng.randint(10000, 500000)
                    shows = cost * rng.randint(20, 40) // 100
                    pgmv = cost * rng.randint(50, 250) // 100
                    f.write(f"{date},v{v:07d},dou_plus,,{shows},{cost // 100}.{cost % 100:02d},"
                            f"{pgmv // 100}.{pgmv % 100:02d},{pgmv // 9000},{shows // 50},"
                            f"{shows // 600},{shows // 1500},{shows // 2500}\n")
                    rows += 1
    print(f"{args.out}: {kols} kols, {args.videos} videos, {rows} metric rows")


if __name__ == "__main__":
    main()
