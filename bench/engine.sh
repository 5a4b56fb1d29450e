# Loading and validating generated HOT templates with Hearth's engine:
# 10,000 resources with cross references (about 2 MB of YAML, and the same
# as JSON), and a ResourceGroup of 10,000 members (validated, then resolved
# member by member).  The peer is Heat's own loader (PyYAML's CSafeLoader
# with Heat's timestamp override, and json.loads) on the same files in the
# same run; Heat's full validation is far slower (perf-anchors: 98-183 s
# for 5,000 resources), so its loader is the fair floor to compare with.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${RESOURCES:-10000}

python3 - "$work" "$N" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
res = {}
for i in range(n):
    props = {"value": {"str_replace": {"template": "$e-$i after $p",
                                       "params": {"$i": i, "$e": {"get_param": "env"},
                                                  "$p": {"get_attr": ["r%d" % (i - 1), "value"]} if i else "-"}}}}
    res["r%d" % i] = {"type": "OS::Heat::Value", "properties": props}
    if i:
        res["r%d" % i]["depends_on"] = "r%d" % (i // 2)
t = {"heat_template_version": "2021-04-16", "parameters": {"env": {"type": "string", "default": "x"}},
     "resources": res, "outputs": {"last": {"value": {"get_attr": ["r%d" % (n - 1), "value"]}}}}
json.dump(t, open(work + "/t.json", "w"))
def y(v, ind):
    pad = "  " * ind
    if isinstance(v, dict):
        return "".join("\n%s%s:%s" % (pad, k, y(x, ind + 1)) for k, x in v.items()) if v else " {}"
    if isinstance(v, list):
        return "".join("\n%s- %s" % (pad, y(x, ind + 1).lstrip()) for x in v) if v else " []"
    return " " + json.dumps(v)
open(work + "/t.yaml", "w").write(y(t, 0).lstrip() + "\n")
g = {"heat_template_version": "2016-10-14",
     "resources": {"group": {"type": "OS::Heat::ResourceGroup", "properties": {
         "count": n, "resource_def": {"type": "OS::Heat::Value",
                                      "properties": {"value": "member %index% of the group"}}}}},
     "outputs": {"refs": {"value": {"get_attr": ["group", "refs"]}}}}
open(work + "/group.yaml", "w").write(y(g, 0).lstrip() + "\n")
PY
make -s -C "$B" bench/loadbench >/dev/null

heat_load() {
	python3 - "$1" "${ROUNDS:-7}" <<'PY'
import json, sys, time, resource, yaml
class L(yaml.CSafeLoader): pass
L.add_constructor('tag:yaml.org,2002:timestamp', lambda l, n: l.construct_scalar(n))
text = open(sys.argv[1]).read()
ts = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    try:
        v = json.loads(text)
    except ValueError:
        v = yaml.load(text, Loader=L)
    ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print("%.1f %.1f" % (ts[len(ts) // 2], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
PY
}

printf '%s resources: YAML %s KiB, JSON %s KiB; median of %s loads\n\n' "$N" \
	$(($(stat -c %s "$work/t.yaml") / 1024)) $(($(stat -c %s "$work/t.json") / 1024)) "${ROUNDS:-7}"
printf '%-6s %12s %12s %12s %8s %14s %14s\n' "input" "hearth load" "+ validate" "heat load" "ratio" "hearth MiB" "heat MiB"
for f in yaml json; do
	read -r hm hv hr < <("$B/bench/loadbench" "$work/t.$f" "${ROUNDS:-7}")
	read -r pm pr < <(heat_load "$work/t.$f")
	printf '%-6s %10s ms %10s ms %10s ms %8.2f %14s %14s\n' "$f" "$hm" "$hv" "$pm" \
		"$(awk -v a="$hm" -v b="$pm" 'BEGIN {print a / b}')" "$hr" "$pr"
done
echo "(ratio: Hearth's load time over Heat's loader's)"
echo
read -r gm gv gr < <("$B/bench/loadbench" "$work/group.yaml" "${ROUNDS:-7}")
read -r _ grv grr < <(LOADBENCH_MODE=resolve "$B/bench/loadbench" "$work/group.yaml" "${ROUNDS:-7}")
printf 'ResourceGroup of %s members: load %s ms, load + validate %s ms (%s MiB), load + resolve every member %s ms (%s MiB)\n' \
	"$N" "$gm" "$gv" "$gr" "$grv" "$grr"
