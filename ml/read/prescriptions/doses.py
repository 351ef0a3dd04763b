"""Usual single doses of common drugs, and the doses prescribers commonly write of each, to catch a
strength read wrong: a screening aid, not advice.

Source: the BNF (British National Formulary, bnf.nice.org.uk: each drug's monograph) and the WHO
Model Formulary 2008. The usual range is the usual adult single dose (any route, immediate and
modified release), widened to the nearest round figure at each end so that an ordinary dose is
never outside it. The common doses are the marketed strengths of one tablet, capsule, injection or
5 ml of a liquid (the BNF's "Medicinal forms") and the usual doses made of them (amoxicillin 1 g is
two 500 mg capsules); a drug whose dose is titrated to the patient (insulin, warfarin, methotrexate)
has every multiple of its step in the range instead. A strength outside the range, or inside it but
not a common dose, is shown to the pharmacist to check, never corrected; a dose that passes is not
thereby right (weight-based, paediatric and loading doses are flagged on purpose, to be looked at).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# How many of the first unit one of the second is; units of different kinds do not convert.
MASS = {"g": 1_000_000.0, "mg": 1_000.0, "mcg": 1.0, "nanograms": 0.001}


@dataclass(frozen=True)
class UsualDose:
    unit: str  # the unit the range and the doses are in: mg, mcg or units
    low: float
    high: float
    common: tuple[float, ...]  # the doses commonly written, ascending
    step: float = 0.0  # set when ``common`` is every multiple of it from low to high (a titrated dose)

    def is_common(self, amount: float) -> bool:
        """Whether ``amount`` (in ``unit``) is one of the common doses."""
        return any(math.isclose(amount, dose) for dose in self.common)

    def common_text(self) -> str:
        """The common doses in words: '250, 500, 1000 mg' or '0.5 to 10 mg in steps of 0.5 mg'."""
        if self.step:
            return f"{self.low:g} to {self.high:g} {self.unit} in steps of {self.step:g} {self.unit}"
        return f"{', '.join(f'{dose:g}' for dose in self.common)} {self.unit}"


def _table(rows: str) -> dict[str, UsualDose]:
    """Rows of ``drug | unit | low | high | common doses`` (the doses, or ``every STEP``)."""
    table = {}
    for row in rows.strip().splitlines():
        name, unit, low, high, doses = (cell.strip() for cell in row.split("|"))
        low_dose, high_dose, step = float(low), float(high), 0.0
        if doses.startswith("every "):
            step = float(doses.split()[1])
            common = tuple(n * step for n in range(math.ceil(low_dose / step), math.floor(high_dose / step) + 1))
        else:
            common = tuple(sorted(float(dose) for dose in doses.split()))
        table[name] = UsualDose(unit, low_dose, high_dose, common, step)
    return table


USUAL_DOSES = _table("""
allopurinol             | mg    | 50    | 300   | 50 100 200 300
amitriptyline           | mg    | 10    | 150   | 10 20 25 30 50 75 100 150
amlodipine              | mg    | 2.5   | 10    | 2.5 5 10
amoxicillin             | mg    | 125   | 1000  | 125 250 500 1000
apixaban                | mg    | 2.5   | 10    | 2.5 5 10
aspirin                 | mg    | 75    | 1000  | 75 150 300 600 900
atenolol                | mg    | 25    | 100   | 25 50 100
atorvastatin            | mg    | 10    | 80    | 10 20 40 80
bendroflumethiazide     | mg    | 2.5   | 5     | 2.5 5
bisoprolol              | mg    | 1.25  | 10    | 1.25 2.5 3.75 5 7.5 10
carbamazepine           | mg    | 100   | 800   | 100 200 300 400 600 800
cefalexin               | mg    | 250   | 1000  | 250 500 1000
cetirizine              | mg    | 5     | 10    | 5 10
ciprofloxacin           | mg    | 250   | 750   | 250 500 750
citalopram              | mg    | 10    | 40    | 10 20 40
clarithromycin          | mg    | 250   | 500   | 250 500
clopidogrel             | mg    | 75    | 300   | 75 300
co-amoxiclav            | mg    | 250   | 1200  | 250 375 500 625 1200
codeine                 | mg    | 15    | 60    | 15 30 60
colchicine              | mg    | 0.5   | 1     | 0.5 1
dexamethasone           | mg    | 0.5   | 20    | 0.5 1 2 4 6 8 10 16 20
diazepam                | mg    | 2     | 20    | 2 5 10 20
diclofenac              | mg    | 25    | 100   | 25 50 75 100
digoxin                 | mcg   | 62.5  | 500   | 62.5 125 250 500
doxycycline             | mg    | 100   | 200   | 100 200
enoxaparin              | mg    | 20    | 150   | 20 40 60 80 100 120 150
ferrous sulfate         | mg    | 100   | 400   | 200
flucloxacillin          | mg    | 250   | 2000  | 250 500 1000 2000
fluoxetine              | mg    | 20    | 60    | 20 40 60
folic acid              | mg    | 0.4   | 5     | 0.4 5
furosemide              | mg    | 20    | 120   | 20 40 80 120
gabapentin              | mg    | 100   | 1200  | 100 300 400 600 800 900 1200
gliclazide              | mg    | 30    | 160   | 30 40 60 80 90 120 160
haloperidol             | mg    | 0.5   | 10    | 0.5 1 1.5 2 2.5 5 10
heparin                 | units | 1000  | 25000 | 1000 5000 7500 10000 12500 15000 20000 25000
hydrocortisone          | mg    | 5     | 200   | 5 10 15 20 50 100 200
ibuprofen               | mg    | 100   | 800   | 100 200 400 600 800
insulin                 | units | 1     | 100   | every 1
lamotrigine             | mg    | 25    | 250   | 25 50 75 100 150 200 250
lansoprazole            | mg    | 15    | 30    | 15 30
levetiracetam           | mg    | 250   | 1500  | 250 500 750 1000 1500
levothyroxine           | mcg   | 12.5  | 300   | 12.5 25 50 75 100 125 150 175 200 225 250 300
lisinopril              | mg    | 2.5   | 40    | 2.5 5 10 20 40
loratadine              | mg    | 5     | 10    | 5 10
lorazepam               | mg    | 0.5   | 4     | 0.5 1 2 2.5 4
losartan                | mg    | 12.5  | 100   | 12.5 25 50 100
metformin               | mg    | 500   | 2000  | 500 850 1000 1500 2000
methotrexate            | mg    | 2.5   | 25    | every 2.5
metoclopramide          | mg    | 5     | 10    | 5 10
metronidazole           | mg    | 200   | 2000  | 200 400 500 1000 2000
montelukast             | mg    | 4     | 10    | 4 5 10
morphine                | mg    | 1     | 100   | 1 2 2.5 5 10 15 20 30 40 60 100
naproxen                | mg    | 250   | 1000  | 250 500 750 1000
nitrofurantoin          | mg    | 50    | 100   | 50 100
olanzapine              | mg    | 2.5   | 20    | 2.5 5 7.5 10 15 20
omeprazole              | mg    | 10    | 40    | 10 20 40
ondansetron             | mg    | 4     | 16    | 4 8 16
oxycodone               | mg    | 1     | 80    | 1 2 2.5 5 10 15 20 30 40 60 80
paracetamol             | mg    | 120   | 1000  | 120 240 250 500 1000
phenoxymethylpenicillin | mg    | 250   | 1000  | 250 500 1000
phenytoin               | mg    | 50    | 300   | 50 100 150 200 250 300
prednisolone            | mg    | 1     | 60    | 1 2.5 5 7.5 10 15 20 25 30 35 40 50 60
pregabalin              | mg    | 25    | 300   | 25 50 75 100 150 200 225 300
propranolol             | mg    | 10    | 160   | 10 20 40 80 160
ramipril                | mg    | 1.25  | 10    | 1.25 2.5 5 10
rivaroxaban             | mg    | 2.5   | 20    | 2.5 10 15 20
salbutamol              | mcg   | 100   | 5000  | 100 200 2000 2500 4000 5000
sertraline              | mg    | 25    | 200   | 25 50 100 150 200
simvastatin             | mg    | 10    | 80    | 10 20 40 80
sodium valproate        | mg    | 200   | 1000  | 200 300 400 500 600 800 1000
spironolactone          | mg    | 12.5  | 200   | 12.5 25 50 100 200
tamsulosin              | mcg   | 400   | 400   | 400
tramadol                | mg    | 50    | 200   | 50 100 150 200
trimethoprim            | mg    | 100   | 200   | 100 200
vancomycin              | mg    | 125   | 2000  | 125 250 500 750 1000 1250 1500 1750 2000
warfarin                | mg    | 0.5   | 10    | every 0.5
zopiclone               | mg    | 3.75  | 7.5   | 3.75 7.5
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
