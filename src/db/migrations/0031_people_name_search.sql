ALTER TABLE "people" ADD COLUMN "search_name" text GENERATED ALWAYS AS (translate("name", 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĲĳĴĵĶķĹĺĻļĽľĿŀŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǄǅǆǇǈǉǊǋǌǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǱǲǳǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳABCDEFGHIJKLMNOPQRSTUVWXYZØøŁłĐđĦħı’‘`', 'aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiiiijjkkllllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouudddlllnnnaaiioouuuuuuuuuuaaaaggkkoooojdddggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyyabcdefghijklmnopqrstuvwxyzoollddhhi''''''')) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "packages_person_id_index" ON "packages" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "people_nhs_number" ON "people" USING btree ("council_id","nhs_number");--> statement-breakpoint
CREATE INDEX "sourcing_requests_person_id_index" ON "sourcing_requests" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "sourcing_requests_recently_changed" ON "sourcing_requests" USING btree ("council_id","updated_at","id");
--> statement-breakpoint
-- A trigram index makes a search for part of a name (LIKE '%smi%') an index scan. pg_trgm ships
-- with PostgreSQL's contrib and with PGlite; where a server lacks it, names are still searched,
-- by scanning the council's people.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS people_search_name_trgm ON people USING gin (search_name gin_trgm_ops);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'pg_trgm could not be created: names are searched without a trigram index';
END
$$;
