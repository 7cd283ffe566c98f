# bash completion for skbtrail-record and skbtrail-analyze            -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One file for both programs: installed as bash-completion/completions/skbtrail-record and
# skbtrail-analyze (a symlink).  Nothing is listed here by hand that the programs know:
# options, event sets and names (record --events, analyze --without), and stage names come
# from the program being completed (its hidden --complete options|events|stages|triggers);
# devices from /sys/class/net.

# _skbtrail_offer WORD...: add to COMPREPLY each WORD that starts with $cur
_skbtrail_offer()
{
	local w
	for w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _skbtrail_list PREFIX WORD...: complete the last item of a comma-separated list; PREFIX is
# what precedes the value in the word (--dev= or nothing)
_skbtrail_list()
{
	local pfx=$1 val=${cur#"$1"} had= w
	shift
	[[ $val == *,* ]] && had=,${val%,*}, pfx+=${val%,*},
	for w; do
		[[ $had == *,"$w",* ]] && continue	# not twice in the list
		[[ $pfx$w == "$cur"* ]] && COMPREPLY+=("$pfx$w")
	done
}

_skbtrail()
{
	local prog=$1 line=${COMP_LINE:0:COMP_POINT} cur= prev= opt= pfx= l s w
	local -a words=() names=() items=()
	local -A takes=() long=()

	COMPREPLY=()
	# words as typed, "--events=net:ne" whole: bash would split it at = and :
	read -ra words <<<"$line"
	if [[ -z $line || $line == *[[:space:]] ]]; then
		((${#words[@]})) && prev=${words[-1]}
	else
		cur=${words[-1]}
		((${#words[@]} > 1)) && prev=${words[-2]}
	fi

	while read -r l s; do
		[[ $l == --* ]] || continue
		names+=("${l%=}")
		[[ $l == *= ]] && takes[${l%=}]=1
		[[ -n $s ]] && long[$s]=${l%=}
	done < <("$prog" --complete options 2>/dev/null)

	if [[ $cur == --*=* && -n ${takes[${cur%%=*}]-} ]]; then
		opt=${cur%%=*} pfx=$opt=
	elif [[ -n $prev ]]; then
		[[ -n ${long[$prev]-} ]] && prev=${long[$prev]}
		[[ -n ${takes[$prev]-} ]] && opt=$prev
	fi

	case $opt in
	"")
		if [[ $cur == -* || $prog == *record ]]; then
			_skbtrail_offer "${names[@]}"
		else
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	--events|--without)
		# a set (record: core, full) stands alone; system:event names make a comma-separated
		# list
		while read -r w; do
			if [[ $w == *:* ]]; then
				items+=("$w")
			elif [[ ${cur#"$pfx"} != *,* ]]; then
				_skbtrail_offer "$pfx$w"
			fi
		done < <("$prog" --complete events 2>/dev/null)
		_skbtrail_list "$pfx" "${items[@]}"
		;;
	--dev)
		for w in /sys/class/net/*; do
			[[ -e $w ]] && items+=("${w##*/}")
		done
		_skbtrail_list "$pfx" "${items[@]}"
		;;
	--trigger)
		# KIND, KIND: (rx-drop:DEV completes the device), STAGE> (quote the '>')
		if [[ ${cur#"$pfx"} == rx-drop:* ]]; then
			for w in /sys/class/net/*; do
				[[ -e $w ]] && _skbtrail_offer "${pfx}rx-drop:${w##*/}"
			done
		else
			mapfile -t items < <("$prog" --complete triggers 2>/dev/null)
			_skbtrail_offer "${items[@]/#/$pfx}"
		fi
		;;
	--stage)
		mapfile -t items < <("$prog" --complete stages 2>/dev/null)
		_skbtrail_offer "${items[@]/#/$pfx}"
		;;
	--format)
		_skbtrail_offer "$pfx"v7 "$pfx"v6
		;;
	--clock)
		read -ra items 2>/dev/null </sys/kernel/tracing/trace_clock ||
			items=(mono global boot)
		items=("${items[@]//[\[\]]/}")
		_skbtrail_offer "${items[@]/#/$pfx}"
		;;
	*)	# files; numbers and expressions get no help
		compopt -o filenames 2>/dev/null
		while IFS= read -r w; do
			COMPREPLY+=("$pfx$w")
		done < <(compgen -f -- "${cur#"$pfx"}")
		;;
	esac

	# bash replaces only the part of the word after its last word-break character (= and :
	# by default): drop what comes before it from every candidate
	w=${cur##*[$COMP_WORDBREAKS]}
	w=${cur%"$w"}
	if [[ -n $w ]]; then
		for l in "${!COMPREPLY[@]}"; do
			COMPREPLY[l]=${COMPREPLY[l]#"$w"}
		done
	fi
}
complete -F _skbtrail skbtrail-record skbtrail-analyze
