# 05-unit.sh - the KVM-free unit tests: each "ok"/"not ok" line one test.

for unit in "$UNIT"/*; do
	[ -x "$unit" ] || continue
	timeout -k 5 "$TIMEOUT_GUARD" "$unit" >"$TMP_DIR/unit" 2>"$TMP_DIR/unit-err"
	unit_status=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			begin "unit: ${line#ok - }"
			end ;;
		"not ok - "*)
			begin "unit: ${line#not ok - }"
			fail "${line#not ok - }"
			end ;;
		esac
	done <"$TMP_DIR/unit"
	begin "unit: ${unit##*/} ran to the end without a sanitizer report"
	ERR=$(cat "$TMP_DIR/unit-err")
	grep -q '^not ok' "$TMP_DIR/unit" || [ "$unit_status" -eq 0 ] ||
		fail "${unit##*/} exited with status $unit_status"
	end
done
