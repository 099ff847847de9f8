# `hoistwatch check` of a site on the gpio-sim profile, as the service user: the chip found by its label, every
# wired line on it.
. "$(dirname "$0")/lib.sh"
write_site
out=$(runuser -u hoistwatch -- hoistwatch check --config "$SITE" 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
[ $rc = 0 ] || fail "check: exit $rc"
pass "check (exit 0 as user hoistwatch, board gpio-sim)"
