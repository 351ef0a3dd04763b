"""Usual single doses of common drugs, to catch a strength read wrong: a screening aid, not advice.

Source: the usual adult single doses (any route, immediate and modified release) in the British
National Formulary (BNF, bnf.nice.org.uk, drug monographs) and the WHO Model Formulary 2008, widened
to the nearest round figure at each end so that an ordinary dose is never flagged. A strength
outside a range is shown to the pharmacist as unusual, never corrected; a dose inside one is not
thereby right (weight-based, paediatric and loading doses fall outside on purpose, to be looked at).
"""
from __future__ import annotations

from dataclasses import dataclass

# How many of the first unit one of the second is; units of different kinds do not convert.
MASS = {"g": 1_000_000.0, "mg": 1_000.0, "mcg": 1.0, "nanograms": 0.001}


@dataclass(frozen=True)
class UsualDose:
    unit: str  # the unit the range is in: mg, mcg or units
    low: float
    high: float


def _table(rows: str) -> dict[str, UsualDose]:
    table = {}
    for row in rows.strip().splitlines():
        name, unit, low, high = (cell.strip() for cell in row.split("|"))
        table[name] = UsualDose(unit, float(low), float(high))
    return table


USUAL_DOSES = _table("""
allopurinol | mg | 50 | 300
amitriptyline | mg | 10 | 150
amlodipine | mg | 2.5 | 10
amoxicillin | mg | 125 | 1000
apixaban | mg | 2.5 | 10
aspirin | mg | 75 | 1000
atenolol | mg | 25 | 100
atorvastatin | mg | 10 | 80
bendroflumethiazide | mg | 2.5 | 5
bisoprolol | mg | 1.25 | 10
carbamazepine | mg | 100 | 800
cefalexin | mg | 250 | 1000
cetirizine | mg | 5 | 10
ciprofloxacin | mg | 250 | 750
citalopram | mg | 10 | 40
clarithromycin | mg | 250 | 500
clopidogrel | mg | 75 | 300
co-amoxiclav | mg | 250 | 1200
codeine | mg | 15 | 60
colchicine | mg | 0.5 | 1
dexamethasone | mg | 0.5 | 20
diazepam | mg | 2 | 20
diclofenac | mg | 25 | 100
digoxin | mcg | 62.5 | 500
doxycycline | mg | 100 | 200
enoxaparin | mg | 20 | 150
ferrous sulfate | mg | 100 | 400
flucloxacillin | mg | 250 | 2000
fluoxetine | mg | 20 | 60
folic acid | mg | 0.4 | 5
furosemide | mg | 20 | 120
gabapentin | mg | 100 | 1200
gliclazide | mg | 30 | 160
haloperidol | mg | 0.5 | 10
heparin | units | 1000 | 25000
hydrocortisone | mg | 5 | 200
ibuprofen | mg | 100 | 800
insulin | units | 1 | 100
lamotrigine | mg | 25 | 250
lansoprazole | mg | 15 | 30
levetiracetam | mg | 250 | 1500
levothyroxine | mcg | 12.5 | 300
lisinopril | mg | 2.5 | 40
loratadine | mg | 5 | 10
lorazepam | mg | 0.5 | 4
losartan | mg | 12.5 | 100
metformin | mg | 500 | 2000
methotrexate | mg | 2.5 | 25
metoclopramide | mg | 5 | 10
metronidazole | mg | 200 | 2000
montelukast | mg | 4 | 10
morphine | mg | 1 | 100
naproxen | mg | 250 | 1000
nitrofurantoin | mg | 50 | 100
olanzapine | mg | 2.5 | 20
omeprazole | mg | 10 | 40
ondansetron | mg | 4 | 16
oxycodone | mg | 1 | 80
paracetamol | mg | 120 | 1000
phenoxymethylpenicillin | mg | 250 | 1000
phenytoin | mg | 50 | 300
prednisolone | mg | 1 | 60
pregabalin | mg | 25 | 300
propranolol | mg | 10 | 160
ramipril | mg | 1.25 | 10
rivaroxaban | mg | 2.5 | 20
salbutamol | mcg | 100 | 5000
sertraline | mg | 25 | 200
simvastatin | mg | 10 | 80
sodium valproate | mg | 200 | 1000
spironolactone | mg | 12.5 | 200
tamsulosin | mcg | 400 | 400
tramadol | mg | 50 | 200
trimethoprim | mg | 100 | 200
vancomycin | mg | 125 | 2000
warfarin | mg | 0.5 | 10
zopiclone | mg | 3.75 | 7.5
""")
# Other names of the same drugs.
ALIASES = {"acetaminophen": "paracetamol", "albuterol": "salbutamol", "frusemide": "furosemide",
           "ferrous sulphate": "ferrous sulfate", "valproate": "sodium valproate", "thyroxine": "levothyroxine",
           "penicillin v": "phenoxymethylpenicillin", "cephalexin": "cefalexin"}


def usual_dose(drug: str) -> UsualDose | None:
    """The usual single-dose range of ``drug`` (lower case; a salt's base name is tried too)."""
    name = " ".join(drug.lower().split())
    for candidate in (name, name.rsplit(" ", 1)[0]):
        found = USUAL_DOSES.get(ALIASES.get(candidate, candidate))
        if found:
            return found
    return None


def in_unit(amount: float, unit: str, target: str) -> float | None:
    """``amount`` of ``unit`` expressed in ``target``; None when the two are of different kinds."""
    if unit == target:
        return amount
    if unit in MASS and target in MASS:
        return amount * MASS[unit] / MASS[target]
    return None
