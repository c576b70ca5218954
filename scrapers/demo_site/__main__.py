from scrapers.demo_site.server import main

main()
