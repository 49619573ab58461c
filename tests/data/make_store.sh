#!/bin/bash
# Build a small store with the code of one release: make_store.sh WORKTREE VERSION OUT.sqlite3
# (WORKTREE: `git worktree add /tmp/loket-vN <commit>`; see README.md). Runs that release's CLI
# from its own tree, then checkpoints and VACUUMs the file into OUT.
set -euo pipefail
tree=$1; n=$2; out=$(realpath -m "$3")
PY=${PYTHON:-$(git rev-parse --show-toplevel)/.venv/bin/python}
cd "$tree"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
run() { "$PY" -m counter_app --data-dir "$d" "$@"; }
run init --site PTK --counter L01 --site-name "MPP Kota Pontianak" --admin admin --admin-password "rahasia-v$n-123" >/dev/null
run --json register --service KTP --name "Budi Santoso" --nik 6171010101900001 --phone 081234567890 > "$d/first.json"
run --json register --service KTP --name "Siti Aminah Rahayu" --priority lansia >/dev/null
run --json register --service KK --name "Ahmad Fauzi" >/dev/null
run --json register --service KTP --name "Dewi Lestari" >/dev/null
first=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['id'])" "$d/first.json")
for _ in 1 2 3; do
  id=$(run --json call-next | "$PY" -c "import json,sys;print(json.load(sys.stdin)['id'])")
  run start "$id" >/dev/null
  run finish "$id" >/dev/null
done
if [ "$n" -ge 3 ]; then  # v3: complaints and surveys
  run complaint add --channel langsung --category waktu --class ringan --text "Antrean terlalu lama" \
    --ticket "$first" --contact 081234567890 --consent >/dev/null
  today=$(date +%F)
  printf 'tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,usia,jenis_kelamin,pendidikan,pekerjaan,saran\n%s,3,3,4,4,3,3,4,3,3,KTP,35,P,s1,swasta,Ruang tunggu panas\n%s,4,4,4,4,4,3,3,4,4,KK,52,L,sma,wirausaha,\n' \
    "$today" "$today" > "$d/survey.csv"
  run survey import "$d/survey.csv" >/dev/null
fi
run audit verify >/dev/null
rm -f "$out"  # VACUUM INTO writes a new file only
"$PY" - "$d/loket.sqlite3" "$out" <<'PY'
import sqlite3, sys
src, out = sys.argv[1], sys.argv[2]
con = sqlite3.connect(src)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.execute("PRAGMA journal_mode=DELETE")
con.execute("VACUUM INTO ?", (out,))
con.close()
PY
echo "$out: schema v$(sqlite3 "$out" 'PRAGMA user_version'), $(stat -c %s "$out") bytes"
