#!/usr/bin/env python3
"""Writes the first ROWS metric rows of a generate.py data set as an .xlsx workbook (and the
same rows as CSV), for Benchmarks/xlsx.sh.

usage: Benchmarks/generate_xlsx.py DATA_DIR ROWS

Reads DATA_DIR/metrics.csv; writes DATA_DIR/metrics-ROWS.xlsx with openpyxl's write-only mode
(text as shared strings, dates as serial numbers with a date format, money as numbers, as
Excel saves an export) and DATA_DIR/metrics-ROWS.csv with the same rows.
"""
import csv
import datetime
import os
import sys

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell


def main():
    data, rows = sys.argv[1], int(sys.argv[2])
    source = os.path.join(data, "metrics.csv")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("metrics")
    with open(source, newline="") as f, open(
        os.path.join(data, f"metrics-{rows}.csv"), "w", newline=""
    ) as out:
        reader = csv.reader(f)
        writer = csv.writer(out, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        sheet.append(header)
        money = {header.index("cost"), header.index("gmv")}
        for n, row in enumerate(reader):
            if n == rows:
                break
            writer.writerow(row)
            cells = []
            for i, value in enumerate(row):
                if i == 0:
                    cell = WriteOnlyCell(sheet, value=datetime.date.fromisoformat(value))
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                elif value == "":
                    cells.append(None)
                elif i in money:
                    cells.append(float(value))
                elif value.isdigit():
                    cells.append(int(value))
                else:
                    cells.append(value)
            sheet.append(cells)
    workbook.save(os.path.join(data, f"metrics-{rows}.xlsx"))


if __name__ == "__main__":
    main()
