from bot.app.entry import main  # the stop signals are caught before anything heavy loads

raise SystemExit(main())
