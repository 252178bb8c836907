"""factory_boy factories for the organisation."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from lianjian.org.models import Department, LawFirm, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"{700000 + n}")
    name = factory.Sequence(lambda n: f"测试市{n}人民检察院")
    level = "CITY"
    parent = None

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        parent = kwargs.get("parent")
        code = kwargs["code"]
        kwargs["path"] = f"{parent.path if parent else '/'}{code}/"
        kwargs["depth"] = (parent.depth + 1) if parent else 0
        return super()._create(model_class, *args, **kwargs)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"第{n}检察部")
    kind = "CRIMINAL"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    staff_no = factory.Sequence(lambda n: f"S{10000 + n}")
    name = factory.Sequence(lambda n: f"测试人员{n}")
    department = factory.SubFactory(DepartmentFactory)
    unit = factory.LazyAttribute(lambda o: o.department.unit)
    position = "PROSECUTOR"
    is_quota_prosecutor = True
    joined_on = date(2015, 9, 1)


class StaffChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffChange

    change_no = factory.Sequence(lambda n: f"SC{n}")
    staff = factory.SubFactory(StaffFactory)
    effective_on = date(2024, 1, 1)
    change = "TRANSFER"


class LawFirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LawFirm

    firm_id = factory.Sequence(lambda n: f"31510000MD{n:07d}X")
    name = factory.Sequence(lambda n: f"测试{n}律师事务所")


class LawyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lawyer

    license_no = factory.Sequence(lambda n: f"1510920011{n:04d}")
    name = factory.Sequence(lambda n: f"律师{n}")
    firm = factory.SubFactory(LawFirmFactory)


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relation

    relation_no = factory.Sequence(lambda n: f"RL{n}")
    staff = factory.SubFactory(StaffFactory)
    other_kind = "PERSON"
    other = factory.Sequence(lambda n: f"P{n}")
    other_name = factory.Sequence(lambda n: f"亲属{n}")
    relation = "SPOUSE"


class PowerRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PowerRule

    unit = factory.SubFactory(UnitFactory)
    decision = "NON_PROSECUTE"
    kind = ""
    effective_from = date(2021, 1, 1)
    positions = factory.LazyFunction(lambda: ["CHIEF", "DEPUTY_CHIEF"])
