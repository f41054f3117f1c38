# variants.mk - the variant table (variants.txt) for make (make fragment).
#
# Included by the Makefile, tests/hosted/hosted.mk and bench/host/bench.mk
# (each may be used alone; a second include does nothing), from the
# repository root. Reads $(VARIANTS_TABLE) (default variants.txt; its
# header says the format) with one awk and defines, for each mechanism in
# the table's order (frame, slab, shootdown) with M its name in capitals:
#
#   M_VARIANTS          its variants in table order (FRAME_VARIANTS := buddy pcp)
#   M_DEFAULT           its default (FRAME_DEFAULT := pcp)
#   M_BASELINE          its honest baseline (FRAME_BASELINE := buddy)
#   M_RIVAL             its strongest published rival, or empty
#                       (FRAME_RIVAL := llfree, SLAB_RIVAL :=)
#   MM_MECHANISMS       frame slab shootdown
#   MM_VARIABLES        FRAME SLAB SHOOTDOWN
#   MM_DEFAULT_VARIANT  the design: the defaults joined by - (pcp-magazine-batched)
#   MM_BASELINE_VARIANTS  per mechanism, the default with that part replaced
#                       by its baseline (buddy-magazine-batched ...)
#   MM_RIVAL_VARIANTS   the same with its rival, for each mechanism that has
#                       one (llfree-magazine-batched)
#   MM_COMMON_SRCS      every mm/*.c that is no variant's file: a wildcard,
#                       so a new common file is picked up by every build
#   $(call mm_srcs,frame=pcp slab=magazine ...)
#                       MM_COMMON_SRCS and the variant files named (none:
#                       the common sources only). The one source-selection
#                       rule of every build of mm/.
#
# It defines no target, so it leaves the default goal alone.

ifndef MM_VARIANTS_MK_INCLUDED
MM_VARIANTS_MK_INCLUDED := 1

VARIANTS_TABLE ?= variants.txt

mm_empty :=
mm_space := $(mm_empty) $(mm_empty)
mm_hash := \#
mm_comma := ,

# One word per line of the table, mechanism:MECHANISM:line:variant:role
# (line: its number, for errors); a line that is neither a row, a comment
# nor blank gives !<line number>.
MM_VARIANT_ROWS := $(shell awk '/^[[:space:]]*($(mm_hash)|$$)/ { next } \
	$$1 ~ /^[a-z][a-z0-9_]*$$/ && $$2 ~ /^[a-z0-9_]+$$/ && $$3 ~ /^(default|baseline|rival|-)$$/ \
		{ print $$1 ":" toupper($$1) ":" NR ":" $$2 ":" $$3; next } \
	{ print "!" NR }' '$(VARIANTS_TABLE)' 2>/dev/null)
$(if $(MM_VARIANT_ROWS),,$(error VARIANTS_TABLE=$(VARIANTS_TABLE): cannot read the variant table, or it has no variant))
$(if $(filter !%,$(MM_VARIANT_ROWS)),$(error $(VARIANTS_TABLE):$(patsubst !%,%,$(firstword \
	$(filter !%,$(MM_VARIANT_ROWS)))): not a line '<mechanism> <variant> <default|baseline|rival|-> <description>'))

# $(call mm_field,N,ROWS): field N of each row.
mm_field = $(foreach r,$(2),$(word $(1),$(subst :, ,$(r))))
# $(call mm_uniq,WORDS): the words, each once, in the order of their first place.
mm_uniq = $(if $(1),$(firstword $(1)) $(call mm_uniq,$(filter-out $(firstword $(1)),$(1))))

MM_MECHANISMS := $(call mm_uniq,$(call mm_field,1,$(MM_VARIANT_ROWS)))

# $(1): mechanism, $(2): its variable (the name in capitals).
define MM_MECHANISM_VARS
MM_VAR_$(1) := $(2)
$(2)_VARIANTS := $$(call mm_field,4,$$(filter $(1):%,$$(MM_VARIANT_ROWS)))
$(2)_DEFAULT := $$(call mm_field,4,$$(filter $(1):%:default,$$(MM_VARIANT_ROWS)))
$(2)_BASELINE := $$(call mm_field,4,$$(filter $(1):%:baseline,$$(MM_VARIANT_ROWS)))
MM_RIVAL_ROWS_$(1) := $$(filter $(1):%:rival,$$(MM_VARIANT_ROWS))
$(2)_RIVAL := $$(call mm_field,4,$$(MM_RIVAL_ROWS_$(1)))
$$(if $$(filter 1,$$(words $$($(2)_DEFAULT))),,$$(error $$(VARIANTS_TABLE): $(1) needs exactly one default variant, not '$$($(2)_DEFAULT)'))
$$(if $$(filter 1,$$(words $$($(2)_BASELINE))),,$$(error $$(VARIANTS_TABLE): $(1) needs exactly one baseline variant, not '$$($(2)_BASELINE)'))
$$(if $$(word 2,$$(MM_RIVAL_ROWS_$(1))),$$(error $$(VARIANTS_TABLE):$$(call mm_field,3,$$(word 2,\
	$$(MM_RIVAL_ROWS_$(1)))): a second rival $(1) variant, $$(word 2,$$($(2)_RIVAL)) (at most one per mechanism)))
$$(if $$(filter-out 1,$$(foreach v,$$($(2)_VARIANTS),$$(words $$(filter $$(v),$$($(2)_VARIANTS))))),\
	$$(error $$(VARIANTS_TABLE): a $(1) variant is listed twice: $$($(2)_VARIANTS)))
endef
$(foreach m,$(MM_MECHANISMS),$(eval $(call MM_MECHANISM_VARS,$(m),$(firstword \
	$(call mm_field,2,$(filter $(m):%,$(MM_VARIANT_ROWS)))))))

MM_VARIABLES := $(foreach m,$(MM_MECHANISMS),$(MM_VAR_$(m)))
MM_DEFAULT_VARIANT := $(subst $(mm_space),-,$(foreach v,$(MM_VARIABLES),$($(v)_DEFAULT)))
# $(call mm_swapped,VARIABLE,PART): the default variant with VARIABLE's part replaced by PART.
mm_swapped = $(subst $(mm_space),-,$(strip \
	$(foreach v,$(MM_VARIABLES),$(if $(filter $(1),$(v)),$(2),$($(v)_DEFAULT)))))
MM_BASELINE_VARIANTS := $(foreach b,$(MM_VARIABLES),$(call mm_swapped,$(b),$($(b)_BASELINE)))
MM_RIVAL_VARIANTS := $(foreach b,$(MM_VARIABLES),$(if $($(b)_RIVAL),$(call mm_swapped,$(b),$($(b)_RIVAL))))

MM_COMMON_SRCS := $(filter-out $(foreach m,$(MM_MECHANISMS),mm/$(m)_%.c),$(wildcard mm/*.c))
mm_srcs = $(strip $(MM_COMMON_SRCS) $(foreach c,$(1),$(if $(filter $(firstword $(subst =, ,$(c))),$(MM_MECHANISMS)),\
	mm/$(subst =,_,$(c)).c,$(error mm_srcs: '$(c)' is not <mechanism>=<variant> with a mechanism of $(VARIANTS_TABLE)))))

endif
