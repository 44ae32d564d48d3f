"""Writing a validated census file: neighbourhoods, buildings and stairwells created or corrected,
households inserted and updated in bulk (COPY on PostgreSQL), community by community, and the
neighbourhoods' stored totals recounted (governance.totals)."""

from django.db import connection
from django.utils import timezone

from governance import totals
from governance.bulk import copy_available, copy_csv, insert_rows, reserve_ids
from governance.models import Building, Community, District, Neighbourhood, Stairwell, Street

from ..models import Household
from .common import BATCH_SIZE, CHUNK_ROWS, COPY_ROWS, HOUSEHOLD_COLUMNS, PROGRESS_EVERY

# A household's stored values compared with the file's, in this order.
_HOUSEHOLD_VALUES = (
    "neighbourhood_id",
    "building_id",
    "floor",
    "floor_area",
    "owner_name",
    "owner_id_hash",
    "phone",
)


def _chunks(records):
    """Records grouped by community, the communities grouped into chunks of about CHUNK_ROWS rows,
    so the existing rows held for the comparison stay bounded however large the file."""
    by_community = {}
    for record in records:
        by_community.setdefault(record.community_id, []).append(record)
    chunk_ids, chunk_records = [], []
    for community_id, group in by_community.items():
        chunk_ids.append(community_id)
        chunk_records.extend(group)
        if len(chunk_records) >= CHUNK_ROWS:
            yield chunk_ids, chunk_records
            chunk_ids, chunk_records = [], []
    if chunk_ids:
        yield chunk_ids, chunk_records


def _write_neighbourhoods(community_ids, records, tally, now):
    """Create the file's neighbourhoods that are missing, correct the build year of the others;
    return {(community id, name): pk}."""
    wanted = {}
    for record in records:
        wanted.setdefault((record.community_id, record.neighbourhood), record.built_year)
    existing = {
        (community_id, name): (pk, built_year)
        for pk, community_id, name, built_year in Neighbourhood.objects.filter(
            community_id__in=community_ids
        ).values_list("pk", "community_id", "name", "built_year")
    }
    to_create, to_update = [], []
    for (community_id, name), built_year in wanted.items():
        found = existing.get((community_id, name))
        if found is None:
            to_create.append(Neighbourhood(community_id=community_id, name=name, built_year=built_year))
        elif found[1] != built_year:
            to_update.append(Neighbourhood(pk=found[0], built_year=built_year, updated_at=now))
    Neighbourhood.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Neighbourhood.objects.bulk_update(to_update, ["built_year", "updated_at"], batch_size=BATCH_SIZE)
    tally.created += len(to_create)
    tally.updated += len(to_update)
    tally.unchanged += len(wanted) - len(to_create) - len(to_update)
    ids = {key: pk for key, (pk, _year) in existing.items()}
    ids.update({(obj.community_id, obj.name): obj.pk for obj in to_create})
    return ids


def _ensure_named(model, parent_field, keys, existing_rows, tally):
    """Create the (parent id, name) `keys` missing from `existing_rows` (pk, parent id, name);
    return {(parent id, name): pk}. The file sets nothing else on buildings and stairwells."""
    ids = {(parent_id, name): pk for pk, parent_id, name in existing_rows}
    missing = [key for key in keys if key not in ids]
    if missing and copy_available():
        # COPY with ids taken from the sequence beforehand: no model instance a row.
        new_ids = reserve_ids(model, len(missing))
        insert_rows(model, ("id", parent_field, "name"), [(pk, *key) for pk, key in zip(new_ids, missing)])
        ids.update(zip(missing, new_ids))
    elif missing:
        objs = [model(**{parent_field: parent_id, "name": name}) for parent_id, name in missing]
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        ids.update(zip(missing, (obj.pk for obj in objs)))
    tally.created += len(missing)
    tally.unchanged += len(keys) - len(missing)
    return ids


def _write_chunk(community_ids, records, result, advance):
    """Write one chunk of communities: the neighbourhoods, then (once they are locked) the
    buildings and stairwells, then the households; the neighbourhoods' totals recounted last."""
    now = timezone.now()
    neighbourhood_ids = _write_neighbourhoods(community_ids, records, result.neighbourhoods, now)
    # The lock order of every writer of the stored totals (governance.totals): the neighbourhoods
    # first, then the rows below them; the totals are recounted once the chunk is written.
    counted = totals.lock_neighbourhoods(
        Neighbourhood.objects.filter(community_id__in=community_ids).values_list("pk", flat=True)
    )
    # Each record's neighbourhood and building ids, in record order.
    record_neighbourhoods = [neighbourhood_ids[(r.community_id, r.neighbourhood)] for r in records]
    record_buildings, stairwell_ids = _write_buildings(community_ids, records, record_neighbourhoods, result)
    _write_households(
        _existing_households(community_ids),
        records,
        record_neighbourhoods,
        record_buildings,
        stairwell_ids,
        result.households,
        advance,
        now,
    )
    totals.recount(counted)


def _write_buildings(community_ids, records, record_neighbourhoods, result):
    """Create the chunk's missing buildings and stairwells; return each record's building id (in
    record order) and {(building id, stairwell name): stairwell id}."""
    building_ids = _ensure_named(
        Building,
        "neighbourhood_id",
        dict.fromkeys(zip(record_neighbourhoods, (r.building for r in records))),
        Building.objects.filter(neighbourhood__community_id__in=community_ids).values_list(
            "pk", "neighbourhood_id", "name"
        ),
        result.buildings,
    )
    record_buildings = [
        building_ids[key] for key in zip(record_neighbourhoods, (r.building for r in records))
    ]
    stairwell_ids = _ensure_named(
        Stairwell,
        "building_id",
        dict.fromkeys((b, r.stairwell) for b, r in zip(record_buildings, records) if r.stairwell),
        Stairwell.objects.filter(building__neighbourhood__community_id__in=community_ids).values_list(
            "pk", "building_id", "name"
        ),
        result.stairwells,
    )
    return record_buildings, stairwell_ids


def _existing_households(community_ids):
    """The chunk's stored households by natural key: (stairwell, room), or (building, room)
    without a stairwell, as the model's unique constraints say; each as (pk, _HOUSEHOLD_VALUES)."""
    existing = {}
    for pk, stairwell_id, room, *values in (
        Household.objects.filter(building__neighbourhood__community_id__in=community_ids)
        .values_list("pk", "stairwell_id", "room", *_HOUSEHOLD_VALUES)
        .iterator(chunk_size=5000)
    ):
        key = ("s", stairwell_id, room) if stairwell_id else ("b", values[1], room)
        existing[key] = (pk, tuple(values))
    return existing


def _flush(write, rows, now, advance):
    """Write the households held in `rows` with `write`, report them and empty the list; return
    how many there were."""
    write(rows, now)
    count = len(rows)
    advance(count)
    rows.clear()
    return count


def _write_households(
    existing, records, record_neighbourhoods, record_buildings, stairwell_ids, tally, advance, now
):
    """Insert the records' new households and update the changed ones (popped from `existing`),
    COPY_ROWS at a time. The hot path: one pass over the records, no query a row."""
    to_create, to_update = [], []  # tuples in _HOUSEHOLD_INSERT order; (pk, *_HOUSEHOLD_VALUES)
    create, update = to_create.append, to_update.append
    unchanged = 0
    for record, neighbourhood_id, building_id in zip(records, record_neighbourhoods, record_buildings):
        room = record.room
        if record.stairwell:
            stairwell_id = stairwell_ids[(building_id, record.stairwell)]
            found = existing.pop(("s", stairwell_id, room), None)
        else:
            stairwell_id = None
            found = existing.pop(("b", building_id, room), None)
        if found is None:
            create(
                (
                    neighbourhood_id,
                    building_id,
                    stairwell_id,
                    room,
                    record.floor,
                    record.floor_area,
                    record.owner_name,
                    record.owner_id_hash,
                    record.phone,
                )
            )
            if len(to_create) >= COPY_ROWS:
                tally.created += _flush(_insert_households, to_create, now, advance)
            continue
        pk, old = found
        # Blank optional cells keep the stored value (see the module docstring).
        new = (
            neighbourhood_id,
            building_id,
            old[2] if record.floor is None else record.floor,
            record.floor_area,
            record.owner_name or old[4],
            record.owner_id_hash or old[5],
            record.phone or old[6],
        )
        if new == old:
            unchanged += 1
            if unchanged % PROGRESS_EVERY == 0:
                advance(PROGRESS_EVERY)
        else:
            update((pk, *new))
            if len(to_update) >= COPY_ROWS:
                tally.updated += _flush(_update_households, to_update, now, advance)
    if to_create:
        tally.created += _flush(_insert_households, to_create, now, advance)
    if to_update:
        tally.updated += _flush(_update_households, to_update, now, advance)
    tally.unchanged += unchanged
    advance(unchanged % PROGRESS_EVERY)


# Households are written in bulk. On PostgreSQL (psycopg2) through COPY: inserting 100,000 rows
# with bulk_create spends most of its time preparing values in Python, and bulk_update's
# CASE WHEN per field grows with the square of the batch; COPY into the table, or into a
# temporary table followed by one UPDATE ... FROM, takes a fraction of that. Elsewhere (SQLite)
# bulk_create, and one prepared UPDATE run for every row.
_HOUSEHOLD_INSERT = HOUSEHOLD_COLUMNS


def _copy_cursor():
    if connection.vendor != "postgresql":
        return None
    cursor = connection.cursor()
    if not hasattr(cursor, "copy_expert"):  # not psycopg2
        cursor.close()
        return None
    return cursor


def _insert_households(rows, now):
    # governance.bulk: COPY through CSV on PostgreSQL (every other column its default, the
    # timestamps `now`), bulk_create elsewhere.
    insert_rows(Household, _HOUSEHOLD_INSERT, rows, now=now)


def _update_households(rows, now):
    quote = connection.ops.quote_name
    fields = [Household._meta.get_field(name) for name in ("id", *_HOUSEHOLD_VALUES)]
    updated_at = Household._meta.get_field("updated_at")
    cursor = _copy_cursor()
    if cursor is None:
        # One prepared UPDATE run for every row (executemany): on SQLite far quicker than
        # bulk_update's CASE WHEN, which grows with the square of the batch.
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in [*fields[1:], updated_at])
        sql = (
            f"UPDATE {quote(Household._meta.db_table)} SET {assignments} WHERE {quote(fields[0].column)} = %s"
        )
        params = [
            [f.get_db_prep_save(v, connection) for f, v in zip([*fields[1:], updated_at], (*values, now))]
            + [pk]
            for pk, *values in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        return
    temp = "census_household_update"
    with cursor:
        columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({columns})")
        text = [f.column for f in fields if f.empty_strings_allowed and not f.null]
        copy_csv(cursor, temp, [f.column for f in fields], rows, not_null_text=text)
        assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields[1:])
        cursor.execute(
            f"UPDATE {quote(Household._meta.db_table)} h SET {assignments}, {quote(updated_at.column)} = %s "
            f"FROM {temp} u WHERE h.{quote(fields[0].column)} = u.{quote(fields[0].column)}",
            [now],
        )
        cursor.execute(f"DROP TABLE {temp}")


def _audit_target(parents):
    """The smallest territory holding every community of the import (see the module docstring)."""
    community_ids = list(parents)
    street_ids = {street_id for street_id, _district in parents.values()}
    district_ids = {district_id for _street, district_id in parents.values()}
    if len(community_ids) == 1:
        return Community.objects.get(pk=community_ids[0])
    if len(street_ids) == 1:
        return Street.objects.get(pk=street_ids.pop())
    if len(district_ids) == 1:
        return District.objects.get(pk=district_ids.pop())
    return District.objects.get(pk=parents[community_ids[0]][1])
