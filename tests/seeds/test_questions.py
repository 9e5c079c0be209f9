"""Analyst questions answered by SPARQL over the seeds, each checked against the source that
supports it.

Every question is a query that binds ``?answer`` inside ``GRAPH ?g { ... }``. The test keeps the
rows whose graph is the named source and compares their answers with the expected set, so a
passing row proves both the answer and where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from rekg.graph import KnowledgeGraph


@dataclass(frozen=True)
class Question:
    ask: str
    source: str
    sparql: str
    expected: frozenset


def q(ask: str, source: str, sparql: str, *expected: object) -> Question:
    return Question(ask, source, sparql, frozenset(expected))


QUESTIONS = [
    # --- suppliers and facilities ----------------------------------------------------------
    q(
        "Who produces terbium outside China?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?f rekg:produces ?m ; rekg:operator ?answer ;
            rekg:locatedIn ?c } ?m rekg:formOf* id:terbium FILTER(?c != id:china) }""",
        "lynas",
    ),
    q(
        "Which plant outside China separates dysprosium, and since when?",
        "lynas-2025-05",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?f rekg:output [ rekg:material ?m ; rekg:startDate ?answer
            ] ; rekg:locatedIn ?c } ?m rekg:formOf id:dysprosium FILTER(?c != id:china) }""",
        date(2025, 5, 16),
    ),
    q(
        "Who plans to separate yttrium outside China, and from when?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?f rekg:produces ?m ; rekg:status rekg:Planned ;
            rekg:startYear ?y ; rekg:operator ?op } ?m rekg:formOf* id:yttrium BIND(CONCAT(STR(?op), " " ,
            STR(?y)) AS ?answer) }""",
        "lynas 2026",
    ),
    q(
        "Which planned plants will make samarium (Caixin does not say where)?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?answer rekg:produces ?m ; rekg:status rekg:Planned
            FILTER NOT EXISTS { ?answer rekg:locatedIn ?c } } ?m rekg:formOf* id:samarium }""",
        "lynas-new-separation-plant",
    ),
    q(
        "What is MP Materials' planned magnet capacity?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?f rekg:operator id:mp-materials ; rekg:status rekg:Planned
            ; rekg:capacity [ rekg:value ?v ; rekg:unit ?u ] } ?u qudt:symbol ?sym BIND(CONCAT(STR(?v), " " , ?sym) AS
            ?answer) }""",
        "10000 t/yr",
    ),
    q(
        "When does MP Materials' 10X plant start?",
        "mp-materials-2025-07-10",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mp-10x-magnet-plant rekg:startYear ?y } BIND(STR(?y) AS
            ?answer) }""",
        "2028",
    ),
    q(
        "Who makes permanent magnets outside China?",
        "mp-materials-2025-07-10",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?f rekg:produces id:permanent-magnets ; rekg:operator
            ?answer ; rekg:locatedIn ?c } FILTER(?c != id:china) }""",
        "mp-materials",
    ),
    q(
        "Where is Lynas's Malaysian plant?",
        "lynas-2025-05",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:lynas-malaysia rekg:place ?answer } }""",
        "gebeng",
    ),
    q(
        "What price floor did the Pentagon give MP Materials?",
        "mp-materials-2025-07-10",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mp-dod-agreement-2025 rekg:priceFloor [ rekg:value ?v ;
            rekg:unit ?u ; rekg:material id:ndpr-oxide ] } ?u qudt:symbol ?sym BIND(CONCAT(STR(?v), " " , ?sym) AS
            ?answer) }""",
        "110 USD/kg",
    ),
    q(
        "How much did the Pentagon invest in MP Materials?",
        "mp-materials-2025-07-10",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?stake rekg:owner id:us-department-of-defense ;
            rekg:ownedCompany id:mp-materials ; rekg:investment/rekg:value ?answer } }""",
        400000000,
    ),
    # --- the Busan meeting and the suspensions -------------------------------------------------
    q(
        "What did the Busan meeting suspend?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { ?a rekg:outcomeOf id:busan-meeting-2025 . GRAPH ?g { ?a rekg:suspends
            ?answer } }""",
        "bis-affiliates-rule",
        "china-october-2025-controls",
    ),
    q(
        "Who met in Busan?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-meeting-2025 rekg:participant ?answer } }""",
        "xi-jinping",
        "donald-trump",
    ),
    q(
        "When and where did the Busan meeting take place?",
        "whitehouse-2025-11-01",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-meeting-2025 rekg:date ?d ; rekg:place ?p } ?p
            rekg:country ?c BIND(CONCAT(STR(?d), " " , STR(?c)) AS ?answer) }""",
        "2025-10-30 https://w3id.org/rekg/id/south-korea",
    ),
    q(
        "Which MOFCOM announcements did No. 70 suspend?",
        "mofcom-2025-11-07",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-70 rekg:suspends ?answer } ?answer
            rekg:instrument ?i }""",
        "mofcom-2025-55",
        "mofcom-2025-56",
        "mofcom-2025-57",
        "mofcom-2025-58",
        "mofcom-2025-61",
        "mofcom-2025-62",
    ),
    q(
        "Until when are China's October 2025 controls suspended?",
        "mofcom-2025-11-07",
        """SELECT ?answer ?g WHERE { id:china-october-2025-controls rekg:includes ?m . GRAPH ?g { ?m
            rekg:suspendedUntil ?answer } }""",
        date(2026, 11, 10),
    ),
    q(
        "Until when is the gallium, germanium and antimony ban suspended?",
        "mofcom-2025-11-09",
        """SELECT ?answer ?g WHERE { ?m rekg:restricts id:gallium . GRAPH ?g { ?m rekg:suspendedUntil
            ?answer } }""",
        date(2026, 11, 27),
    ),
    q(
        "Until when is the US affiliates rule suspended?",
        "bis-2025-09-29",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:bis-affiliates-rule rekg:suspendedUntil ?answer } }""",
        date(2026, 11, 10),
    ),
    q(
        "What does the White House say the truce creates?",
        "whitehouse-2025-11-01",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-truce-2025 rekg:creates ?answer } }""",
        "china-general-licences",
        "section-301-exclusions-extension",
    ),
    q(
        "Which materials do China's general licences cover, per the White House?",
        "whitehouse-2025-11-01",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:china-general-licences rekg:restricts ?answer } }""",
        "rare-earths",
        "gallium",
        "germanium",
        "antimony",
        "graphite",
    ),
    q(
        "What does China still restrict after the truce?",
        "market-outlook-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?m rekg:imposedBy id:china ; rekg:reportedStatus
            rekg:InForce ; rekg:restricts ?answer } }""",
        "dysprosium-metal",
        "ndpr-oxide",
        "rare-earths",
    ),
    q(
        "Which Chinese controls stay in force per the NYT-based digest?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?m rekg:imposedBy id:china ; rekg:reportedStatus
            rekg:InForce ; rekg:restricts ?answer } }""",
        "permanent-magnets",
    ),
    q(
        "What did the Trump administration suspend in return, per Benzinga?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-truce-2025 rekg:suspends ?answer . ?answer
            rekg:imposedBy id:united-states } }""",
        "us-additional-100-percent-tariff",
        "us-other-duties-on-china",
    ),
    # --- China's measures ----------------------------------------------------------------------
    q(
        "Which elements does MOFCOM No. 18 restrict?",
        "mofcom-2025-04-04",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-18 rekg:restricts ?answer } ?answer a
            rekg:Element }""",
        "samarium",
        "gadolinium",
        "terbium",
        "dysprosium",
        "lutetium",
        "scandium",
        "yttrium",
    ),
    q(
        "Which heavy rare earths did No. 57 add?",
        "mofcom-2025-10-09",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-57 rekg:restricts ?answer } }""",
        "holmium",
        "erbium",
        "thulium",
        "europium",
        "ytterbium",
    ),
    q(
        "When were Nos. 55-58 due to take effect?",
        "mofcom-2025-10-09",
        """SELECT ?answer ?g WHERE { VALUES ?m { id:mofcom-2025-55 id:mofcom-2025-56 id:mofcom-2025-57
            id:mofcom-2025-58 } GRAPH ?g { ?m rekg:effectiveFrom ?answer } }""",
        date(2025, 11, 8),
    ),
    q(
        "What does No. 46 clause 2 ban to the US?",
        "mofcom-2024-12",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2024-46-clause-2 rekg:targets id:united-states ;
            rekg:restricts ?answer } }""",
        "gallium",
        "germanium",
        "antimony",
        "superhard-materials",
    ),
    q(
        "What does China's extraterritorial rule reach?",
        "mofcom-2025-10-09",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-61 rekg:restricts ?answer } }""",
        "items-with-chinese-rare-earths",
        "rare-earths",
    ),
    q(
        "When did Benzinga say China imposed its earlier controls?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:china-rare-earth-export-controls rekg:imposedIn ?p }
            BIND(STR(?p) AS ?answer) }""",
        "2022-10",
        "2025-04",
    ),
    q(
        "When did the digest say China imposed its earlier controls?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:china-rare-earth-export-controls rekg:imposedIn ?p }
            BIND(STR(?p) AS ?answer) }""",
        "2023",
        "2024",
    ),
    q(
        "Who claims China's rare-earth controls were lifted?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:about id:china-rare-earth-export-controls ;
            rekg:claimedStatus rekg:Lifted ; rekg:claimant ?answer } }""",
        "white-house",
    ),
    q(
        "Which source disputes Trump's claim that the restrictions were lifted?",
        "market-outlook-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:claimant id:donald-trump ; rekg:claimedStatus
            rekg:Lifted ; rekg:disputedBy ?answer } }""",
        "https://w3id.org/rekg/source/market-outlook-2025-11",
    ),
    # --- the US side ------------------------------------------------------------------------
    q(
        "When did the BIS affiliates rule take effect?",
        "bis-2025-09-29",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:bis-affiliates-rule rekg:effectiveFrom ?answer ;
            rekg:instrument "90 FR 47201" } }""",
        date(2025, 9, 29),
    ),
    q(
        "Which countries did the US sign supply deals with on the Asia tour?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?d a rekg:SupplyDeal ; rekg:party id:united-states, ?answer
            ; rekg:outcomeOf id:trump-asia-tour-2025 } FILTER(?answer != id:united-states) }""",
        "australia",
        "japan",
        "malaysia",
        "thailand",
    ),
    q(
        "Which Central Asian country has a rare-earth deal with the US?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?d a rekg:SupplyDeal ; rekg:party id:united-states, ?answer
            } FILTER(?answer != id:united-states) }""",
        "kazakhstan",
    ),
    q(
        "Where is the US exploring for rare earths?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?i a rekg:Initiative ; rekg:party id:united-states, ?answer
            } FILTER(?answer != id:united-states) }""",
        "greenland",
        "ukraine",
    ),
    q(
        "Which US export restrictions on China did the June report mention?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?m rekg:imposedBy id:united-states ; rekg:targets id:china
            ; a rekg:ExportControl ; rekg:restricts ?answer } }""",
        "chip-design-software",
        "aircraft",
    ),
    q(
        "What did the June 2025 understanding put into practice?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:us-china-june-2025-understanding rekg:implements ?answer
            } }""",
        "geneva-agreement-2025",
    ),
    q(
        "Who is the US commerce secretary in the June report?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?answer rekg:role "US Secretary of Commerce"@en } }""",
        "howard-lutnick",
    ),
    # --- statistics ------------------------------------------------------------------------
    q(
        "What share of magnet making does China hold?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?s rekg:subject id:china ; rekg:indicator
            rekg:ShareOfMagnetMaking ; rekg:value ?answer } }""",
        93,
    ),
    q(
        "What share of rare-earth mining and processing does China hold, per the digest?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?s rekg:subject id:china ; rekg:indicator ?i ; rekg:value
            ?answer } VALUES ?i { rekg:ShareOfMining rekg:ShareOfProcessing } }""",
        70,
        90,
    ),
    q(
        "How did China's rare-earth exports to the US change through September 2025?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?s rekg:subject id:china ; rekg:counterpart
            id:united-states ; rekg:indicator rekg:ExportChange ; rekg:value ?answer } }""",
        -24.6,
    ),
    q(
        "How much rare earth did China mine in 2024, per USGS?",
        "usgs-mcs-2025",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?s rekg:subject id:china ; rekg:indicator
            rekg:MineProduction ; rekg:period "2024"^^xsd:gYear ; rekg:value ?answer ; rekg:estimated true }
            }""",
        270000,
    ),
    q(
        "Which countries hold more than 5 million tonnes of rare-earth reserves?",
        "usgs-mcs-2025",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?s rekg:subject ?answer ; rekg:indicator rekg:Reserves ;
            rekg:value ?v } ?answer a rekg:Country FILTER(?v > 5000000) }""",
        "china",
        "brazil",
        "india",
        "australia",
    ),
    # --- sectors, codes and sources -------------------------------------------------------------
    q(
        "Which industries depend on NdPr oxide?",
        "market-outlook-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:ndpr-oxide rekg:usedIn ?answer } }""",
        "automotive",
        "consumer-electronics",
        "defence",
    ),
    q(
        "Which industries need gallium, germanium and antimony?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { VALUES ?m { id:gallium id:germanium id:antimony } GRAPH ?g { ?m
            rekg:usedIn ?answer } }""",
        "semiconductors",
        "defence",
    ),
    q(
        "Which industries did the spring 2025 magnet cut-off disrupt?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:permanent-magnets rekg:usedIn ?answer } }""",
        "automotive",
        "aerospace",
        "semiconductors",
        "defence",
    ),
    q(
        "What is the HS heading for permanent magnets?",
        "wco-2022",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:permanent-magnets rekg:hsCode ?answer } }""",
        "8505.11",
    ),
    q(
        "Which outlets does the digest cite?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?g rekg:cites ?answer } ?answer a rekg:Company }""",
        "new-york-times",
        "new-york-post",
        "politico",
        "associated-press",
    ),
    q(
        "Who wrote the June 2025 industry report?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?g dcterms:creator ?answer } }""",
        "amy-liu",
    ),
    # --- seed knowledge v2 (issue 13) ------------------------------------------------------------
    q(
        "At which summit did Trump and Xi meet, by Benzinga's account?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-meeting-2025 rekg:heldAt ?answer } }""",
        "apec-summit-2025",
    ),
    q(
        "What did rare-earth funds do before the truce news?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?answer a rekg:MarketEvent ; rekg:precedes id:busan-truce-2025
            } }""",
        "rare-earth-etf-surge-2025",
    ),
    q(
        "Who said China's curbs could backfire?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:claim-analysts-backfire rekg:claimant ?answer } }""",
        "unnamed-analysts",
    ),
    q(
        "How often is the truce to be renegotiated?",
        "benzinga-2025-11-03",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:busan-truce-2025 rekg:renewalInterval ?i } BIND(STR(?i)
            AS ?answer) }""",
        "P1Y",
    ),
    q(
        "When is the truce up for renewal?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { id:busan-truce-2025 rekg:renewalInterval "P1Y"^^xsd:yearMonthDuration .
            GRAPH ?g { id:busan-truce-2025 rekg:date ?d } BIND(CONCAT(STR(YEAR(?d) + 1), SUBSTR(STR(?d), 5)) AS
            ?answer) }""",
        "2026-10-30",
    ),
    q(
        "How many US carmakers' suppliers got temporary Chinese licences?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:china-temporary-licences-june-2025 rekg:beneficiaryCount
            ?answer } }""",
        3,
    ),
    q(
        "What did Trump say the US would ease in the June deal?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:claimant id:donald-trump ; rekg:about ?answer ;
            rekg:claimedStatus rekg:Eased } }""",
        "us-curbs-on-chinese-students",
    ),
    q(
        "What did Lutnick say China's side of the June deal does to the April controls?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:claimant id:howard-lutnick ; rekg:about
            id:mofcom-2025-18 ; rekg:claimedStatus ?s } BIND(STRAFTER(STR(?s), "#") AS ?answer) }""",
        "Eased",
    ),
    q(
        "What did the Geneva agreement do to the April controls?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:geneva-agreement-2025 ?p id:mofcom-2025-18 } BIND(STRAFTER(
            STR(?p), "#") AS ?answer) }""",
        "easesInPart",
    ),
    q(
        "Which part of the April controls does the June report say covered magnets?",
        "industry-news-2025-06-27",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-18 rekg:includes ?answer } }""",
        "china-magnet-export-controls",
    ),
    q(
        "How far has the US–Kazakhstan rare-earth deal come?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:us-kazakhstan-minerals-deal-2025 rekg:initiativeStatus ?s }
            BIND(STRAFTER(STR(?s), "#") AS ?answer) }""",
        "DealReported",
    ),
    q(
        "Where is the US only exploring for rare earths?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?i rekg:initiativeStatus rekg:Exploring ; rekg:party ?answer }
            FILTER(?answer != id:united-states) }""",
        "greenland",
        "ukraine",
    ),
    q(
        "Until when does Bradsher say the battery controls are paused?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:claimant id:keith-bradsher ; rekg:about id:mofcom-2025-58
            ; rekg:claimedValue ?v } BIND(STR(?v) AS ?answer) }""",
        "2026-11",
    ),
    q(
        "Does the digest's end date for the battery pause agree with MOFCOM's?",
        "mofcom-2025-11-07",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:mofcom-2025-58 rekg:suspendedUntil ?until } ?c rekg:about
            id:mofcom-2025-58 ; rekg:claimedValue ?v BIND(STRSTARTS(STR(?until), STR(?v)) AS ?answer) }""",
        True,
    ),
    q(
        "Until when does Politico say the gallium, germanium and antimony pause runs?",
        "digest-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?c rekg:claimant id:politico ; rekg:claimedValue ?v } BIND(STR(
            ?v) AS ?answer) }""",
        "2026",
    ),
    q(
        "Which months does the fall in China's rare-earth exports to the US cover?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:stat-china-re-exports-to-us-2025-09 rekg:period ?p ;
            rekg:periodEnd ?e } BIND(CONCAT(STR(?p), " to ", STR(?e)) AS ?answer) }""",
        "2025 to 2025-09",
    ),
    q(
        "Which plant does MP Materials count in the 10,000 t/yr of US magnet capacity?",
        "mp-materials-2025-07-10",
        """SELECT ?answer ?g WHERE { GRAPH ?g { id:stat-us-magnet-capacity-2028 rekg:scope ?answer } }""",
        "mp-10x-magnet-plant",
    ),
    q(
        "Which document is the USGS source derived from?",
        "usgs-mcs-2025",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?g prov:wasDerivedFrom ?d } BIND(STR(?d) AS ?answer) }""",
        "https://doi.org/10.5066/P13XCP3R",
    ),
    q(
        "To whom is Caixin's graph attributed?",
        "caixin-2025-11",
        """SELECT ?answer ?g WHERE { GRAPH ?g { ?g prov:wasAttributedTo ?answer } }""",
        "caixin",
    ),
]


def _plain(kg: KnowledgeGraph, value: object) -> object:
    if isinstance(value, str) and value.startswith(str(kg.ns.id)):
        return kg.local_id(value)
    return value


@pytest.mark.parametrize("question", QUESTIONS, ids=[x.ask for x in QUESTIONS])
def test_question_is_answered_by_its_source(kg: KnowledgeGraph, question: Question) -> None:
    rows = kg.select(question.sparql)
    source = str(kg.ns.source[question.source])
    assert source in {r["g"] for r in rows}, f"no answer from {question.source}"
    answers = {_plain(kg, r["answer"]) for r in rows if r["g"] == source}
    assert answers == question.expected


def test_there_are_at_least_thirty_questions_over_every_article() -> None:
    assert len(QUESTIONS) >= 30
    articles = {
        "caixin-2025-11",
        "benzinga-2025-11-03",
        "digest-2025-11",
        "industry-news-2025-06-27",
        "market-outlook-2025-11",
    }
    assert articles <= {x.source for x in QUESTIONS}
