package cli

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// grade's old spellings. grade was one flag set with four mode flags; instructors' scripts
// (and older bundles' run scripts) still call it so, and keep working: a mode flag, wherever
// it stands among the flags, becomes the subcommand in front, and a flag of the old set that
// the form does not use is ignored, as it was, with a note.

// legacyGradeModes maps each old mode flag to its subcommand.
var legacyGradeModes = map[string]string{
	"batch":        gradeSubBatch,
	"merge":        gradeSubMerge,
	"kafka-checks": gradeSubKafkaChecks,
	"worker":       gradeSubWorker,
}

// legacyGradeArgs rewrites grade's arguments from the old spelling to the new: `-batch -out
// DIR CLASS` is `batch -out DIR CLASS`. legacy says whether args are in the old spelling, with
// no subcommand in front: the one-submission form's flags are then those the old grade took
// (see dropUnusedGradeFlags) as well as its own. Two mode flags are an error, as they were.
func legacyGradeArgs(args []string) (_ []string, legacy bool, err error) {
	if len(args) > 0 && gradeSubcommands[args[0]] != nil {
		return args, false, nil
	}
	flags, rest := splitGradeFlags(args)
	mode, modeFlag := "", ""
	var kept []string
	for _, f := range flags {
		sub, ok := legacyGradeModes[f.name]
		if !ok {
			kept = append(kept, f.args...)
			continue
		}
		on := true
		if f.hasValue {
			if on, err = strconv.ParseBool(f.value); err != nil {
				return nil, true, fmt.Errorf("invalid boolean value %q for -%s", f.value, f.name)
			}
		}
		if !on {
			continue
		}
		if mode != "" && mode != sub {
			return nil, true, fmt.Errorf("-%s and -%s are two forms of grade: give one (grade %s, grade %s)", modeFlag, f.name, mode, sub)
		}
		mode, modeFlag = sub, f.name
	}
	args = append(kept, rest...)
	if mode != "" {
		args = append([]string{mode}, args...)
	}
	return args, true, nil
}

// dropUnusedGradeFlags returns args without the flags that some form of grade has but the
// form of flags does not, and their names: the old grade took every form's flags in every form
// and ignored those it did not use.
func dropUnusedGradeFlags(flags *flag.FlagSet, args []string) (kept, unused []string) {
	fs, rest := splitGradeFlags(args)
	for _, f := range fs {
		if _, some := gradeFlagKinds()[f.name]; some && flags.Lookup(f.name) == nil {
			unused = append(unused, f.name)
			continue
		}
		kept = append(kept, f.args...)
	}
	return append(kept, rest...), unused
}

// flagArg is one flag among a command's arguments and the arguments it spans ("-out DIR",
// "-out=DIR", "-quiet").
type flagArg struct {
	name, value string
	hasValue    bool // the value is in the same argument, after "="
	args        []string
}

// splitGradeFlags splits args as flag.FlagSet.Parse reads them: the flags in front, up to the
// first argument that is not one (or "--", which stays in rest), and the rest. A flag takes the
// next argument as its value unless it is boolean in grade's forms: so does one grade does not
// know, which the form's parse then refuses anyway.
func splitGradeFlags(args []string) ([]flagArg, []string) {
	var flags []flagArg
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return flags, args[i:]
		}
		name := strings.TrimPrefix(a[1:], "-")
		f := flagArg{args: []string{a}}
		f.name, f.value, f.hasValue = strings.Cut(name, "=")
		if isBool, known := gradeFlagKinds()[f.name]; !f.hasValue && (!known || !isBool) && i+1 < len(args) {
			i++
			f.args = append(f.args, args[i])
		}
		flags = append(flags, f)
	}
	return flags, nil
}

// gradeFlagKinds maps every flag of grade's forms, and the old mode flags, to whether it is
// boolean (takes no value of its own argument).
var gradeFlagKinds = sync.OnceValue(func() map[string]bool {
	kinds := map[string]bool{}
	for mode := range legacyGradeModes {
		kinds[mode] = true
	}
	for _, form := range append(slices.Collect(maps.Values(gradeSubcommands)), (*gradeCmd).oneFlags) {
		flags, _ := form(&gradeCmd{}, "grade")
		flags.VisitAll(func(f *flag.Flag) {
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			kinds[f.Name] = ok && b.IsBoolFlag()
		})
	}
	return kinds
})
